"""Additive Gaussian noise on some observation channels, on a batch of observations."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.arguments import per_channel
from rlkit.envs.effects.channel_effect import ChannelEffect
from rlkit.envs.effects.streams import Rows


class SensorNoise(ChannelEffect):
    """Adds independent N(0, std) noise to every reading of the selected channels, the reset reading too.

    Args:
        space, num_envs, channels, stream: See :class:`~rlkit.envs.effects.channel_effect.ChannelEffect`.
        std: Standard deviation: one for every channel, or one per selected channel.

    Raises:
        ValueError: ``std`` is negative or has the wrong shape, or ``channels`` is invalid.
    """

    def __init__(
        self,
        space: Box,
        num_envs: int,
        std: float | Sequence[float] | np.ndarray,
        channels: np.ndarray | None = None,
        stream: str = "ObservationNoise",
    ) -> None:
        super().__init__(space, num_envs, channels, stream)
        self.std = per_channel(std, len(self.channels), "std", minimum=0.0)
        self._noise = self.streams.normal_rows(self.std)

    def _reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        values += self._noise.next(rows)
        return values
