"""The checks of an effect's arguments: per-channel values and channel indices.

Shared by the array effects (:mod:`rlkit.envs.effects`) and the per-env wrappers built on them, so that both
accept and refuse the same arguments with the same messages.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def per_channel(
    value: float | Sequence[float] | np.ndarray,
    count: int,
    argument: str,
    *,
    minimum: float | None = None,
    exclusive: bool = False,
    finite: bool = True,
) -> np.ndarray:
    """A scalar or per-channel constructor argument, checked and broadcast to ``count`` float64 values.

    Args:
        value: One number for every channel, or one per selected channel.
        count: How many channels are selected.
        argument: The argument's name, for the error message.
        minimum: The smallest valid value (None: no lower limit).
        exclusive: The value must exceed ``minimum`` rather than reach it.
        finite: Infinite values are invalid.

    Raises:
        ValueError: The value has the wrong shape, is NaN or infinite where not allowed, or is too small.
    """
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 0 and array.shape != (count,):
        raise ValueError(
            f"{argument} must be a number or an array of {count} numbers (one per selected channel), "
            f"got shape {array.shape}"
        )
    if np.isnan(array).any() or (finite and not np.isfinite(array).all()):
        raise ValueError(f"{argument} must be {'finite' if finite else 'a number, not NaN'}, got {value}")
    if minimum is not None and (np.any(array <= minimum) if exclusive else np.any(array < minimum)):
        raise ValueError(f"{argument} must be {'>' if exclusive else '>='} {minimum}, got {value}")
    return np.broadcast_to(array, (count,)).copy()


def channel_indices(channels: np.ndarray | Sequence[int] | None, count: int) -> np.ndarray:
    """Check an index array over ``count`` channels; negative indices count from the end.

    Returns:
        The indices as non-negative ``int64``, in the given order (a per-channel argument follows it);
        all channels when ``channels`` is None.

    Raises:
        ValueError: The indices are not integers, are out of range, repeat, or select nothing.
    """
    if channels is None:
        return np.arange(count, dtype=np.int64)
    array = np.asarray(channels)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"channels must be a non-empty 1-D array of integer indices, got {channels!r}")
    if np.any(array < -count) or np.any(array >= count):
        raise ValueError(f"channels must be indices from {-count} to {count - 1}, got {channels!r}")
    array = array.astype(np.int64) % count
    if np.unique(array).size != array.size:
        raise ValueError(f"channels must not repeat a channel, got {channels!r}")
    return array


def channel_index(channels: np.ndarray, count: int) -> slice | np.ndarray:
    """The cheapest index that selects ``channels`` (in their order) from ``count`` channels.

    A run of consecutive ascending channels (all channels included) becomes a ``slice``: indexing with it
    gives a view, with no copy, and costs a fraction of indexing with an array. Any other choice stays the
    index array.
    """
    start = int(channels[0])
    if np.array_equal(channels, np.arange(start, start + len(channels))):
        return slice(start, start + len(channels)) if len(channels) < count else slice(None)
    return channels
