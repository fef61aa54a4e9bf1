"""The measurement range of some observation channels, on a batch of observations."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.arguments import per_channel
from rlkit.envs.effects.channel_effect import ChannelEffect
from rlkit.envs.effects.streams import Rows


class SensorClip(ChannelEffect):
    """Clips every reading of the selected channels to the sensor's measurement range [low, high].

    Args:
        space, num_envs, channels, stream: See :class:`~rlkit.envs.effects.channel_effect.ChannelEffect`
            (this effect draws no random numbers).
        low: Lower end of the range (may be ``-inf``): one for every channel, or one per selected channel.
        high: Upper end of the range (may be ``inf``), not below ``low``.

    Raises:
        ValueError: ``low`` or ``high`` is NaN or has the wrong shape, ``low > high``, or ``channels`` is
            invalid.
    """

    def __init__(
        self,
        space: Box,
        num_envs: int,
        low: float | Sequence[float] | np.ndarray,
        high: float | Sequence[float] | np.ndarray,
        channels: np.ndarray | None = None,
        stream: str = "ObservationClip",
    ) -> None:
        super().__init__(space, num_envs, channels, stream)
        self.low = per_channel(low, len(self.channels), "low", finite=False)
        self.high = per_channel(high, len(self.channels), "high", finite=False)
        if np.any(self.low > self.high):
            raise ValueError(f"low must not exceed high, got low={low}, high={high}")

    def _reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        # In place; maximum then minimum is np.clip, at half its per-call cost.
        np.maximum(values, self.low, out=values)
        np.minimum(values, self.high, out=values)
        return values
