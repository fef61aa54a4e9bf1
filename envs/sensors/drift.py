"""A random-walk drift on some observation channels (a sensor whose offset wanders)."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from rlkit.envs.sensors.channels import ChannelWrapper, per_channel


class ObservationDrift(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """Adds a random walk that starts at 0 at every reset and moves by N(0, std) at every step.

    The reset observation carries no drift; the observation after ``t`` steps carries the sum of ``t``
    independent increments, so its drift has standard deviation ``std * sqrt(t)``.

    Args:
        env: The env whose observations are read.
        std: Standard deviation of each step's increment: one for every channel, or one per selected channel.
        channels: Indices of the drifting channels (None: all).
        stream: Name of the effect's random stream (distinct when the effect appears twice).

    Raises:
        ValueError: ``std`` is negative or has the wrong shape, or ``channels`` is invalid.
    """

    def __init__(
        self,
        env: gym.Env,
        std: float | Sequence[float] | np.ndarray,
        channels: np.ndarray | None = None,
        stream: str = "ObservationDrift",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, std=std, channels=channels, stream=stream)
        ChannelWrapper.__init__(self, env, channels, stream)
        self.std = per_channel(std, len(self.channels), "std", minimum=0.0)
        self.drift = np.zeros(len(self.channels))
        """The current drift of each selected channel; a new array at every reset, updated in place."""
        self._increments = self._stream.normal_rows(self.std)

    def _first_reading(self, values: np.ndarray) -> np.ndarray:
        self.drift = np.zeros(len(self.channels))  # the reset observation carries no drift
        return values

    def _reading(self, values: np.ndarray) -> np.ndarray:
        drift = self.drift
        drift += self._increments.next()
        values += drift
        return values
