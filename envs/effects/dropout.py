"""Lost readings on some observation channels, on a batch of observations."""

from __future__ import annotations

from typing import Literal

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.channel_effect import ChannelEffect
from rlkit.envs.effects.streams import Rows

DropoutMode = Literal["zero", "hold"]


class SensorDropout(ChannelEffect):
    """At every step, each selected channel's reading is lost, independently, with a fixed probability.

    A lost reading reads 0 (``mode="zero"``) or the channel's last delivered value in that env
    (``mode="hold"``). The reset reading is always delivered and draws nothing.

    Args:
        space, num_envs, channels, stream: See :class:`~rlkit.envs.effects.channel_effect.ChannelEffect`.
        probability: Probability, in [0, 1], that a reading is lost.
        mode: What a lost reading reads: ``"zero"`` or ``"hold"``.

    Raises:
        ValueError: ``probability`` is outside [0, 1], ``mode`` is unknown, or ``channels`` is invalid.

    ``probability`` is read ahead, when a block of steps' losses is drawn: set it at construction.
    """

    def __init__(
        self,
        space: Box,
        num_envs: int,
        probability: float,
        mode: DropoutMode = "hold",
        channels: np.ndarray | None = None,
        stream: str = "ObservationDropout",
    ) -> None:
        super().__init__(space, num_envs, channels, stream)
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be in [0, 1], got {probability}")
        if mode not in ("zero", "hold"):
            raise ValueError(f"mode must be 'zero' or 'hold', got {mode!r}")
        self.probability = float(probability)
        self.mode = mode
        count = len(self.channels)
        self.delivered = np.zeros((num_envs, count))
        """The last reading delivered in each env, per selected channel."""
        # Which readings are lost, drawn ahead for many steps: the very numbers ``random(n) < p`` gives.
        self._lost = self.streams.rows(
            lambda generator, rows: generator.random((rows, count)) < self.probability
        )

    def _first_reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        self.delivered[rows] = values
        return values

    def _reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        replacement = 0.0 if self.mode == "zero" else self.delivered[rows]
        np.copyto(values, replacement, where=self._lost.next(rows))
        self.delivered[rows] = values
        return values
