"""The channels a robot actually has sensors for, kept from a batch of flat observations."""

from __future__ import annotations

import numpy as np


class ChannelSelection:
    """Keeps only the chosen channels of a batch of flat observations ``(n, channels)``, in their order.

    Args:
        channels: Indices of the kept channels, unique and within ``[0, count)``.
        count: Channels of the full observation.

    Raises:
        ValueError: ``channels`` is empty, not unique, or out of range.
    """

    def __init__(self, channels: np.ndarray, count: int) -> None:
        channels = np.asarray(channels, dtype=np.int64)
        if channels.ndim != 1 or channels.size == 0 or len(np.unique(channels)) != channels.size:
            raise ValueError(f"observed channels must be a non-empty list of unique indices, got {channels}")
        if channels.min() < 0 or channels.max() >= count:
            raise ValueError(f"observed channels must lie in [0, {count}), got {channels.tolist()}")
        self.channels = np.sort(channels)

    def __call__(self, observations: np.ndarray) -> np.ndarray:
        """The kept channels of every row, a new array."""
        return observations[:, self.channels]
