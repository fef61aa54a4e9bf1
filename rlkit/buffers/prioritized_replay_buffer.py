"""Prioritized experience replay (Schaul et al., 2016): transitions sampled in proportion to ``p_i^α``."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch

from rlkit.buffers.replay_buffer import ReplayBuffer, TransitionBatch
from rlkit.buffers.sum_tree import SumTree


class PrioritizedReplayBuffer(ReplayBuffer):
    """A :class:`ReplayBuffer` that samples slot ``i`` with probability ``P(i) = p_i^α / Σ_k p_k^α``.

    ``p_i = |δ_i| + ε`` comes from the learner through :meth:`update_priorities` (``δ`` the TD error, or the
    C51 cross-entropy); new transitions get the largest priority seen so far, so each is replayed at least
    once soon. Sampling is stratified: the total is cut into ``batch_size`` equal segments and one prefix
    sum is drawn uniformly in each. Batches carry importance-sampling weights
    ``w_i = (N·P(i))^-β / max_j w_j`` (max over the batch, so weights only scale updates down) and the
    sampled slots.

    Args:
        capacity: Transitions kept; the oldest are overwritten.
        obs_shape: Shape of one observation.
        obs_dtype: Its dtype.
        action_shape: Shape of one action (``()`` for discrete).
        action_dtype: Its dtype.
        device: Where sampled batches go.
        seed: Seeds sampling.
        alpha: ``α``, how strongly priorities skew sampling (0: uniform).
        eps: ``ε`` added to every ``|δ|`` so no transition becomes unsampleable.
        **kwargs: Passed on to the next buffer class in the MRO (a subclass mixing in another storage).
    """

    def __init__(
        self,
        capacity: int,
        obs_shape: tuple[int, ...],
        obs_dtype: np.dtype,
        action_shape: tuple[int, ...],
        action_dtype: np.dtype,
        device: torch.device,
        seed: int,
        alpha: float = 0.6,
        eps: float = 1e-6,
        **kwargs: Any,
    ) -> None:
        super().__init__(capacity, obs_shape, obs_dtype, action_shape, action_dtype, device, seed, **kwargs)
        if alpha < 0 or eps <= 0:
            raise ValueError(f"PrioritizedReplayBuffer needs alpha >= 0 and eps > 0, got {alpha} and {eps}")
        self.alpha = alpha
        self.eps = eps
        self.tree = SumTree(capacity)
        self.max_priority = 1.0

    def add(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        next_obs: np.ndarray,
        terminated: np.ndarray,
        steps: np.ndarray | None = None,
    ) -> np.ndarray:
        """Add transitions with the largest priority seen so far; returns their slots."""
        index = super().add(obs, actions, rewards, next_obs, terminated, steps)
        self.tree.update(index, self.max_priority**self.alpha)
        return index

    def probabilities(self, index: np.ndarray) -> np.ndarray:
        """``P(i)`` for the slots ``index``."""
        return self.tree[index] / self.tree.total

    def sample(self, batch_size: int, beta: float = 1.0) -> TransitionBatch:
        """A stratified prioritized batch with importance weights for exponent ``beta``."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty PrioritizedReplayBuffer")
        total = self.tree.total
        prefix = (np.arange(batch_size) + self.rng.random(batch_size)) * (total / batch_size)
        # Rounding can put a prefix sum at the total, past the last filled slot: keep it inside.
        index = np.minimum(self.tree.find(np.minimum(prefix, np.nextafter(total, 0.0))), self.size - 1)
        weights = (self.size * self.probabilities(index)) ** -beta
        weights /= weights.max()
        weights_t = torch.as_tensor(weights, dtype=torch.float32, device=self.device)
        return dataclasses.replace(self.gather(index), weights=weights_t, indices=index)

    def update_priorities(self, index: np.ndarray, errors: np.ndarray) -> None:
        """Set the priorities of slots ``index`` from their new errors: ``p = |error| + ε``."""
        priorities = np.abs(np.asarray(errors, dtype=np.float64)) + self.eps
        self.tree.update(index, priorities**self.alpha)
        self.max_priority = max(self.max_priority, float(priorities.max()))

    def state_dict(self) -> dict[str, Any]:
        """The transitions, the sampling stream, the sum tree and the running maximum priority."""
        return {**super().state_dict(), "tree": self.tree.state_dict(), "max_priority": self.max_priority}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        super().load_state_dict(state)
        order = self.kept_order(state)
        saved = SumTree.from_state_dict(state["tree"])
        if order is None and saved.nodes.shape == self.tree.nodes.shape:
            self.tree = saved  # slot for slot, sums included: bit-exact sampling after a resume
            self.tree.capacity = self.capacity
        else:  # another capacity: the kept transitions' priorities, in their new slots
            slots = np.arange(self.size) if order is None else order
            self.tree = SumTree(self.capacity)
            self.tree.update(np.arange(len(slots)), saved[slots])
        self.max_priority = float(state["max_priority"])
