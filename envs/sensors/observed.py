"""The channels a robot actually has sensors for: the others are left out of the observation."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.observed import ChannelSelection
from rlkit.envs.sensors.channels import channel_names


class ObservedChannels(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Keeps only the chosen channels of a flat observation, in their original order.

    This is how a partially observable task is declared: a robot with joint encoders but no velocity
    sensors observes positions only, and a policy must infer velocities from its memory of past readings.
    The wrapper renames ``observation_names`` to the kept channels, so sensor models applied outside it
    select among what is observed. The selection is :class:`~rlkit.envs.effects.observed.ChannelSelection`
    on a batch of one.

    Args:
        env: An env with a 1-D ``Box`` observation space.
        channels: Indices of the kept channels (as :func:`~rlkit.envs.sensors.channels.select_channels`
        returns).

    Raises:
        ValueError: ``channels`` is empty, not unique, or out of range.
    """

    def __init__(self, env: gym.Env, channels: np.ndarray) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, channels=channels)
        gym.ObservationWrapper.__init__(self, env)
        names = channel_names(env)
        self.selection = ChannelSelection(channels, len(names))
        self.channels = self.selection.channels
        self.observation_names = [names[i] for i in self.channels]
        space = env.observation_space
        assert isinstance(space, Box)  # channel_names raised for any other space
        self.observation_space = Box(
            space.low[self.channels], space.high[self.channels], (self.channels.size,), space.dtype
        )

    def observation(self, observation: Any) -> np.ndarray:
        return self.selection(np.asarray(observation)[None])[0]
