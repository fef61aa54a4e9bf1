"""A constant bias per episode on some observation channels (a miscalibrated sensor)."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from rlkit.envs.sensors.channels import ChannelWrapper, per_channel


class ObservationBias(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """Adds a bias drawn at every reset from N(0, std) and held constant for the whole episode.

    Args:
        env: The env whose observations are read.
        std: Standard deviation of the bias: one for every channel, or one per selected channel.
        channels: Indices of the biased channels (None: all).
        stream: Name of the effect's random stream (distinct when the effect appears twice).

    Raises:
        ValueError: ``std`` is negative or has the wrong shape, or ``channels`` is invalid.
    """

    def __init__(
        self,
        env: gym.Env,
        std: float | Sequence[float] | np.ndarray,
        channels: np.ndarray | None = None,
        stream: str = "ObservationBias",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, std=std, channels=channels, stream=stream)
        ChannelWrapper.__init__(self, env, channels, stream)
        self.std = per_channel(std, len(self.channels), "std", minimum=0.0)
        self.bias = np.zeros(len(self.channels))

    def _first_reading(self, values: np.ndarray) -> np.ndarray:
        self.bias = self._rng.normal(0.0, self.std)
        return self._reading(values)

    def _reading(self, values: np.ndarray) -> np.ndarray:
        values += self.bias
        return values
