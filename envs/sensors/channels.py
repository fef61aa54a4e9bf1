"""Observation channels: their names, choosing some of them, and the base of effects that act on a choice.

A flat observation is a 1-D float ``Box``; each of its entries is a channel. An env names its channels with
an ``observation_names`` attribute (``"pole_angle"``, ``"accelerometer[2]"``); an env without one gets
``"obs[0]"``, ``"obs[1]"``, ... A sensor model picks its channels with :func:`select_channels` and applies
its effect through :class:`ChannelWrapper`, which leaves the other channels untouched.
"""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.core import ActType
from gymnasium.spaces import Box

from rlkit.envs.effects.arguments import channel_index, channel_indices, per_channel
from rlkit.envs.effects.channel_effect import ChannelEffect
from rlkit.envs.effects.selection import select_channels
from rlkit.envs.effects.streams import EVERY_ENV
from rlkit.errors import RlkitError

__all__ = [
    "ChannelWrapper",
    "channel_index",
    "channel_indices",
    "channel_names",
    "per_channel",
    "select_channels",
]


def channel_names(env: gym.Env) -> list[str]:
    """The name of every flat observation channel of ``env``.

    Args:
        env: An env, possibly wrapped, with a 1-D ``Box`` observation space.

    Returns:
        The outermost ``observation_names`` declared by the env or a wrapper, else
        ``["obs[0]", "obs[1]", ...]``.

    Raises:
        RlkitError: The observation space is not a 1-D ``Box``, or the declared names do not match it.
    """
    space = env.observation_space
    if not (isinstance(space, Box) and len(space.shape) == 1):
        raise RlkitError(f"observation channels need a 1-D Box observation space, this env has {space}")
    count = space.shape[0]
    try:  # the outermost declaration: a wrapper that keeps some channels renames them
        names = env.get_wrapper_attr("observation_names")
    except AttributeError:
        names = None
    if names is None:
        return [f"obs[{i}]" for i in range(count)]
    names = list(names)
    if len(names) != count or not all(isinstance(name, str) for name in names):
        raise RlkitError(
            f"the env's observation_names must be {count} strings, one per observation channel, "
            f"got {len(names)} entries"
        )
    return names


class ChannelWrapper(gym.Wrapper[np.ndarray, ActType, np.ndarray, ActType]):
    """The base of the sensor effects: an array effect on some channels, applied to a single env.

    The effect (:class:`~rlkit.envs.effects.channel_effect.ChannelEffect`, built by the subclass as
    ``self.effect`` for a batch of one) is the one the ``batched`` backend applies to all its envs at once:
    each effect is implemented once. It copies the observation, writes its reading back in the space's dtype
    and clips it to the space's bounds where the space has any. The observation space itself is left
    unchanged, so that an env with sensor models and one without them accept the same policy.

    The effect's random numbers come only from its own stream, re-seeded by ``reset(seed=...)``.

    Args:
        env: The env whose observations are read.

    Raises:
        ValueError: The observation space is not a 1-D float ``Box``.
    """

    effect: ChannelEffect

    def __init__(self, env: gym.Env[np.ndarray, ActType]) -> None:
        gym.Wrapper.__init__(self, env)
        space = env.observation_space
        if not (isinstance(space, Box) and len(space.shape) == 1 and np.issubdtype(space.dtype, np.floating)):
            raise ValueError(
                f"env: {type(self).__name__} needs a 1-D float Box observation space, got {space}"
            )
        self.space: Box = space
        """The observation space, looked up once (``observation_space`` walks down the wrapper chain)."""

    @property
    def channels(self) -> np.ndarray:
        """Indices of the channels the effect acts on."""
        return self.effect.channels

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the env and the effect's per-episode state; ``seed`` also re-seeds the effect's stream."""
        observation, info = self.env.reset(seed=seed, options=options)
        return self.effect.reset(np.asarray(observation)[None], EVERY_ENV, [seed])[0], info

    def step(self, action: ActType) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env and apply the effect to the observation."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        return self.effect(np.asarray(observation)[None])[0], reward, terminated, truncated, info
