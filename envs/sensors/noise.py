"""Additive Gaussian noise on some observation channels."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from rlkit.envs.effects.noise import SensorNoise
from rlkit.envs.sensors.channels import ChannelWrapper


class ObservationNoise(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """Adds independent zero-mean Gaussian noise to every reading of the selected channels.

    The effect is :class:`~rlkit.envs.effects.noise.SensorNoise` on a batch of one.

    Example:
        >>> env = ObservationNoise(gym.make("Pendulum-v1"), std=0.01, channels=np.array([2]))

    Args:
        env: The env whose observations are read.
        std: Standard deviation of the noise: one for every channel, or one per selected channel.
        channels: Indices of the noisy channels (None: all).
        stream: Name of the effect's random stream (distinct when the effect appears twice).

    Raises:
        ValueError: ``std`` is negative or has the wrong shape, or ``channels`` is invalid.
    """

    def __init__(
        self,
        env: gym.Env,
        std: float | Sequence[float] | np.ndarray,
        channels: np.ndarray | None = None,
        stream: str = "ObservationNoise",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, std=std, channels=channels, stream=stream)
        ChannelWrapper.__init__(self, env)
        self.effect = SensorNoise(self.space, 1, std, channels, stream)
        self.std = self.effect.std
