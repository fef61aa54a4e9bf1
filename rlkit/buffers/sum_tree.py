"""A sum tree: priorities at the leaves, every inner node the sum of its children, for O(log N) proportional
sampling (prioritized experience replay)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


class SumTree:
    """An array-based binary sum tree over ``capacity`` non-negative priorities.

    Node 1 is the root, node ``i`` has children ``2i`` and ``2i + 1``, and leaf ``j`` is node
    ``leaf_start + j`` with ``leaf_start`` the smallest power of two ≥ ``capacity`` (node 0 and leaves past
    ``capacity`` stay 0). Updates and searches take whole batches of indices, one NumPy operation per level.

    Args:
        capacity: Number of leaves.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"SumTree capacity must be positive, got {capacity}")
        self.capacity = capacity
        self.leaf_start = 1 << (capacity - 1).bit_length()
        self.depth = self.leaf_start.bit_length() - 1
        self.nodes = np.zeros(2 * self.leaf_start, dtype=np.float64)

    @property
    def total(self) -> float:
        """The sum of all priorities."""
        return float(self.nodes[1])

    def __getitem__(self, indices: np.ndarray | int) -> np.ndarray:
        """The priorities at leaf ``indices``."""
        return self.nodes[self.leaf_start + np.asarray(indices)]

    def update(self, indices: np.ndarray, priorities: np.ndarray | float) -> None:
        """Set leaf ``indices`` to ``priorities`` (a repeated index keeps its last) and refresh the sums.

        Raises:
            ValueError: If an index is out of range or a priority is negative or not finite.
        """
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        priorities = np.broadcast_to(np.asarray(priorities, dtype=np.float64), indices.shape)
        if indices.size == 0:
            return
        if indices.min() < 0 or indices.max() >= self.capacity:
            raise ValueError(f"SumTree index out of range [0, {self.capacity})")
        if not np.all(np.isfinite(priorities)) or priorities.min() < 0:
            raise ValueError("SumTree priorities must be finite and non-negative")
        nodes = self.leaf_start + indices
        self.nodes[nodes] = priorities
        for _ in range(self.depth):
            nodes = np.unique(nodes // 2)
            self.nodes[nodes] = self.nodes[2 * nodes] + self.nodes[2 * nodes + 1]

    def find(self, values: np.ndarray) -> np.ndarray:
        """The leaf where each prefix sum in ``values`` falls: the smallest ``j`` with
        ``p_0 + … + p_j > value``, so a value uniform in ``[0, total)`` picks leaf ``j`` with probability
        ``p_j / total`` and a zero-priority leaf is never picked."""
        values = np.array(values, dtype=np.float64).reshape(-1)
        nodes = np.ones(values.shape, dtype=np.int64)
        for _ in range(self.depth):
            left = 2 * nodes
            left_sum = self.nodes[left]
            go_right = values >= left_sum
            values = np.where(go_right, values - left_sum, values)
            nodes = np.where(go_right, left + 1, left)
        return np.minimum(nodes - self.leaf_start, self.capacity - 1)

    def state_dict(self) -> dict[str, Any]:
        """The whole node array as a tensor (sums included, so a restored tree is bit-identical)."""
        return {"nodes": torch.from_numpy(self.nodes.copy())}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> SumTree:
        """A tree restored from :meth:`state_dict`, whatever its size (its capacity is its leaf count)."""
        tree = cls(len(state["nodes"]) // 2)
        tree.load_state_dict(state)
        return tree

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        nodes = state["nodes"].numpy()
        if nodes.shape != self.nodes.shape:
            raise ValueError(f"SumTree state has {nodes.shape[0]} nodes, this tree {self.nodes.shape[0]}")
        self.nodes[:] = nodes
