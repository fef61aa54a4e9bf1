"""Finite resolution of some observation channels, on a batch of observations."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.arguments import per_channel
from rlkit.envs.effects.channel_effect import ChannelEffect
from rlkit.envs.effects.streams import Rows


class SensorQuantization(ChannelEffect):
    """Rounds every reading of the selected channels to the nearest multiple of ``step`` (half to even).

    Args:
        space, num_envs, channels, stream: See :class:`~rlkit.envs.effects.channel_effect.ChannelEffect`
            (this effect draws no random numbers).
        step: The resolution, > 0: one for every channel, or one per selected channel.

    Raises:
        ValueError: ``step`` is not positive or has the wrong shape, or ``channels`` is invalid.
    """

    def __init__(
        self,
        space: Box,
        num_envs: int,
        step: float | Sequence[float] | np.ndarray,
        channels: np.ndarray | None = None,
        stream: str = "ObservationQuantization",
    ) -> None:
        super().__init__(space, num_envs, channels, stream)
        self.step_size = per_channel(step, len(self.channels), "step", minimum=0.0, exclusive=True)

    def _reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        # In place; np.rint is np.round with no decimals (half to even), without its Python-level dispatch.
        step_size = self.step_size
        np.divide(values, step_size, out=values)
        np.rint(values, out=values)
        np.multiply(values, step_size, out=values)
        return values
