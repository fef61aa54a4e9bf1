"""A random-walk drift on some observation channels (a sensor whose offset wanders)."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from rlkit.envs.effects.drift import SensorDrift
from rlkit.envs.sensors.channels import ChannelWrapper


class ObservationDrift(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """Adds a random walk that starts at 0 at every reset and moves by N(0, std) at every step.

    The reset observation carries no drift; the observation after ``t`` steps carries the sum of ``t``
    independent increments, so its drift has standard deviation ``std * sqrt(t)``. The effect is
    :class:`~rlkit.envs.effects.drift.SensorDrift` on a batch of one.

    Args:
        env: The env whose observations are read.
        std: Standard deviation of each step's increment: one for every channel, or one per selected channel.
        channels: Indices of the drifting channels (None: all).
        stream: Name of the effect's random stream (distinct when the effect appears twice).

    Raises:
        ValueError: ``std`` is negative or has the wrong shape, or ``channels`` is invalid.
    """

    effect: SensorDrift

    def __init__(
        self,
        env: gym.Env,
        std: float | Sequence[float] | np.ndarray,
        channels: np.ndarray | None = None,
        stream: str = "ObservationDrift",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, std=std, channels=channels, stream=stream)
        ChannelWrapper.__init__(self, env)
        self.effect = SensorDrift(self.space, 1, std, channels, stream)
        self.std = self.effect.std

    @property
    def drift(self) -> np.ndarray:
        """The current drift of each selected channel."""
        return self.effect.drift[0]
