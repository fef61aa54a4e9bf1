"""Batches of observations as vector envs return them: an array, or a dict or tuple of arrays (Dict and Tuple
spaces), one row per env. These helpers apply one array operation to every leaf."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Batch = Any
"""An array, or a dict or tuple of batches."""


def map_batches(fn: Callable[..., np.ndarray], *batches: Batch) -> Batch:
    """``fn`` applied leaf by leaf to batches of one structure, keeping the structure."""
    first = batches[0]
    if isinstance(first, dict):
        return {key: map_batches(fn, *(batch[key] for batch in batches)) for key in first}
    if isinstance(first, tuple):
        return tuple(map_batches(fn, *(batch[i] for batch in batches)) for i in range(len(first)))
    return fn(*batches)


def concatenate(parts: Sequence[Batch], axis: int = 0) -> Batch:
    """The parts joined along ``axis`` (the env axis of step batches is 0)."""
    return map_batches(lambda *arrays: np.concatenate(arrays, axis=axis), *parts)


def stack(parts: Sequence[Batch]) -> Batch:
    """The parts stacked along a new leading axis (steps of a fragment)."""
    return map_batches(lambda *arrays: np.stack(arrays), *parts)


def take(batch: Batch, index: Any) -> Batch:
    """``batch[index]`` of every leaf, as arrays (a row of a step batch, a step of a fragment)."""
    return map_batches(lambda array: np.asarray(array)[index], batch)
