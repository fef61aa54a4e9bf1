"""The aggregated dataset of ``rlkit distill``: the student's observations, labelled with the teacher's
actions (DAgger) or with the true privileged parameters (adaptation)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from rlkit.buffers.batches import Batch, map_batches, take


class LabelledDataset:
    """A ring of ``capacity`` (observation, label) pairs, a label being a teacher's action or the true
    parameters; the oldest go first when it is full.

    Observations may be arrays or dicts of arrays (one row per sample), stored in their own dtypes (uint8
    images stay uint8).

    Args:
        capacity: Samples kept.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = 0
        self._next = 0
        self.obs: Batch | None = None
        self.actions: np.ndarray | None = None

    def add(self, obs: Batch, actions: np.ndarray) -> None:
        """Append one vector step: ``(N, ...)`` observations and their ``(N, ...)`` teacher actions."""
        count = len(actions)
        if self.obs is None or self.actions is None:  # the first step sizes the storage: both or neither
            self.obs = map_batches(lambda row: np.zeros((self.capacity, *row.shape[1:]), row.dtype), obs)
            self.actions = np.zeros((self.capacity, *actions.shape[1:]), actions.dtype)
        rows = (self._next + np.arange(count)) % self.capacity
        _write_rows(self.obs, rows, obs)
        self.actions[rows] = actions
        self._next = int((self._next + count) % self.capacity)
        self.size = min(self.size + count, self.capacity)

    def minibatches(self, batch_size: int, rng: np.random.Generator) -> Iterator[tuple[Batch, np.ndarray]]:
        """One epoch over the stored samples in shuffled minibatches: ``(obs, actions)`` pairs."""
        order = rng.permutation(self.size)
        if self.actions is None:  # nothing added yet: no minibatch
            return
        for start in range(0, self.size, batch_size):
            index = order[start : start + batch_size]
            yield take(self.obs, index), self.actions[index]


def _write_rows(stored: Batch, rows: np.ndarray, values: Batch) -> None:
    if isinstance(stored, dict):
        for key in stored:
            _write_rows(stored[key], rows, values[key])
        return
    stored[rows] = values
