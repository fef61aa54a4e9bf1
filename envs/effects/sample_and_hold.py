"""Sensors slower than the control loop, on a batch of observations."""

from __future__ import annotations

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.channel_effect import ChannelEffect
from rlkit.envs.effects.streams import Rows


class SensorSampleAndHold(ChannelEffect):
    """The selected channels update only every ``period`` control steps of each env's episode.

    The reset reading is a sample (step 0); so is the reading after steps ``period``, ``2 * period``, ...
    Between samples the channels read the env's last sample.

    Args:
        space, num_envs, channels, stream: See :class:`~rlkit.envs.effects.channel_effect.ChannelEffect`
            (this effect draws no random numbers).
        period: Control steps between two samples, >= 1 (1: every step, no effect).

    Raises:
        ValueError: ``period`` is not an integer >= 1, or ``channels`` is invalid.
    """

    def __init__(
        self,
        space: Box,
        num_envs: int,
        period: int,
        channels: np.ndarray | None = None,
        stream: str = "SampleAndHold",
    ) -> None:
        super().__init__(space, num_envs, channels, stream)
        if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or period < 1:
            raise ValueError(f"period must be an integer >= 1, got {period!r}")
        self.period = int(period)
        self.held = np.zeros((num_envs, len(self.channels)))
        """Each env's last sample, per selected channel."""
        self.steps = np.zeros(num_envs, dtype=np.int64)
        """Each env's steps since its episode started."""

    def _first_reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        self.steps[rows] = 0
        self.held[rows] = values
        return values

    def _reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        steps = self.steps[rows] + 1
        self.steps[rows] = steps
        sampled = (steps % self.period == 0)[:, None]
        held = np.where(sampled, values, self.held[rows])
        self.held[rows] = held
        return held
