"""A random-walk drift on some observation channels (a sensor whose offset wanders), on a batch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.arguments import per_channel
from rlkit.envs.effects.channel_effect import ChannelEffect
from rlkit.envs.effects.streams import Rows


class SensorDrift(ChannelEffect):
    """Adds a random walk that starts at 0 with each env's episode and moves by N(0, std) at every step.

    The reset reading carries no drift (and draws nothing); the reading after ``t`` steps carries the sum of
    ``t`` independent increments.

    Args:
        space, num_envs, channels, stream: See :class:`~rlkit.envs.effects.channel_effect.ChannelEffect`.
        std: Standard deviation of each step's increment: one for every channel, or one per selected channel.

    Raises:
        ValueError: ``std`` is negative or has the wrong shape, or ``channels`` is invalid.
    """

    def __init__(
        self,
        space: Box,
        num_envs: int,
        std: float | Sequence[float] | np.ndarray,
        channels: np.ndarray | None = None,
        stream: str = "ObservationDrift",
    ) -> None:
        super().__init__(space, num_envs, channels, stream)
        self.std = per_channel(std, len(self.channels), "std", minimum=0.0)
        self.drift = np.zeros((num_envs, len(self.channels)))
        """Each env's current drift, per selected channel."""
        self._increments = self.streams.normal_rows(self.std)

    def _first_reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        self.drift[rows] = 0.0  # the reset reading carries no drift
        return values

    def _reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        drift = self.drift[rows]  # a view for every env, a copy for env ids
        drift += self._increments.next(rows)
        if not isinstance(rows, slice):
            self.drift[rows] = drift
        values += drift
        return values
