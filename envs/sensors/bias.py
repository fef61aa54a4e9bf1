"""A constant bias per episode on some observation channels (a miscalibrated sensor)."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from rlkit.envs.effects.bias import SensorBias
from rlkit.envs.sensors.channels import ChannelWrapper


class ObservationBias(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """Adds a bias drawn at every reset from N(0, std) and held constant for the whole episode.

    The effect is :class:`~rlkit.envs.effects.bias.SensorBias` on a batch of one.

    Args:
        env: The env whose observations are read.
        std: Standard deviation of the bias: one for every channel, or one per selected channel.
        channels: Indices of the biased channels (None: all).
        stream: Name of the effect's random stream (distinct when the effect appears twice).

    Raises:
        ValueError: ``std`` is negative or has the wrong shape, or ``channels`` is invalid.
    """

    effect: SensorBias

    def __init__(
        self,
        env: gym.Env,
        std: float | Sequence[float] | np.ndarray,
        channels: np.ndarray | None = None,
        stream: str = "ObservationBias",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, std=std, channels=channels, stream=stream)
        ChannelWrapper.__init__(self, env)
        self.effect = SensorBias(self.space, 1, std, channels, stream)
        self.std = self.effect.std

    @property
    def bias(self) -> np.ndarray:
        """This episode's bias, per selected channel."""
        return self.effect.bias[0]
