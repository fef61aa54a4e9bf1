"""Sensors slower than the control loop."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from rlkit.envs.sensors.channels import ChannelWrapper


class SampleAndHold(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """The selected channels update only every ``period`` control steps and hold their value in between.

    The reset observation is a sample (step 0); so is the observation after steps ``period``,
    ``2 * period``, ... Between samples the channels read the last sample.

    Args:
        env: The env whose observations are read.
        period: Control steps between two samples, >= 1 (1: every step, no effect).
        channels: Indices of the slow channels (None: all).
        stream: Name of the effect's random stream; this effect draws no random numbers, the argument only
            lets every effect be named alike.

    Raises:
        ValueError: ``period`` is not an integer >= 1, or ``channels`` is invalid.
    """

    def __init__(
        self,
        env: gym.Env,
        period: int,
        channels: np.ndarray | None = None,
        stream: str = "SampleAndHold",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, period=period, channels=channels, stream=stream)
        ChannelWrapper.__init__(self, env, channels, stream)
        if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or period < 1:
            raise ValueError(f"period must be an integer >= 1, got {period!r}")
        self.period = int(period)
        self.held = np.zeros(len(self.channels))
        self._steps = 0

    def _first_reading(self, values: np.ndarray) -> np.ndarray:
        self._steps = 0
        self.held = values.copy()  # a copy: ``values`` may become the caller's observation
        return values

    def _reading(self, values: np.ndarray) -> np.ndarray:
        self._steps += 1
        if self._steps % self.period == 0:
            self.held = values.copy()
            return values
        return self.held
