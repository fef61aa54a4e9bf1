"""Sensors slower than the control loop."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from rlkit.envs.effects.sample_and_hold import SensorSampleAndHold
from rlkit.envs.sensors.channels import ChannelWrapper


class SampleAndHold(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """The selected channels update only every ``period`` control steps and hold their value in between.

    The reset observation is a sample (step 0); so is the observation after steps ``period``,
    ``2 * period``, ... Between samples the channels read the last sample. The effect is
    :class:`~rlkit.envs.effects.sample_and_hold.SensorSampleAndHold` on a batch of one.

    Args:
        env: The env whose observations are read.
        period: Control steps between two samples, >= 1 (1: every step, no effect).
        channels: Indices of the slow channels (None: all).
        stream: Name of the effect's random stream; this effect draws no random numbers, the argument only
            lets every effect be named alike.

    Raises:
        ValueError: ``period`` is not an integer >= 1, or ``channels`` is invalid.
    """

    effect: SensorSampleAndHold

    def __init__(
        self,
        env: gym.Env,
        period: int,
        channels: np.ndarray | None = None,
        stream: str = "SampleAndHold",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, period=period, channels=channels, stream=stream)
        ChannelWrapper.__init__(self, env)
        self.effect = SensorSampleAndHold(self.space, 1, period, channels, stream)
        self.period = self.effect.period

    @property
    def held(self) -> np.ndarray:
        """The last sample, per selected channel."""
        return self.effect.held[0]
