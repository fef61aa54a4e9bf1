"""A uniform experience-replay ring buffer for off-policy agents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch


@dataclass(frozen=True)
class TransitionBatch:
    """A sampled batch of transitions on the learner's device."""

    obs: torch.Tensor
    actions: torch.Tensor
    rewards: torch.Tensor
    next_obs: torch.Tensor
    terminated: torch.Tensor
    #: (B,) env steps the reward sums (n-step returns; 1 for one-step transitions): bootstrap with γ^steps.
    steps: torch.Tensor
    #: (B,) importance-sampling weights (prioritized replay only).
    weights: torch.Tensor | None = None
    #: (B,) buffer slots sampled, to update their priorities (prioritized replay only).
    indices: np.ndarray | None = None


class ReplayBuffer:
    """Stores the last ``capacity`` transitions in preallocated NumPy arrays and samples them uniformly.

    Observations keep their env dtype (uint8 images stay uint8, a quarter of float32's memory); they become
    float tensors only in a sampled batch.

    Args:
        capacity: Transitions kept; the oldest are overwritten.
        obs_shape: Shape of one observation.
        obs_dtype: Its dtype.
        action_shape: Shape of one action (``()`` for discrete).
        action_dtype: Its dtype.
        device: Where sampled batches go.
        seed: Seeds sampling.
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
    ) -> None:
        self.capacity = capacity
        self.device = device
        self.obs = np.zeros((capacity, *obs_shape), dtype=obs_dtype)
        self.next_obs = np.zeros((capacity, *obs_shape), dtype=obs_dtype)
        self.actions = np.zeros((capacity, *action_shape), dtype=action_dtype)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.steps = np.ones(capacity, dtype=np.float32)
        self.position = 0
        self.size = 0
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self.size

    def add(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        next_obs: np.ndarray,
        terminated: np.ndarray,
        steps: np.ndarray | None = None,
    ) -> np.ndarray:
        """Add a batch of transitions (first dimension: envs) and return the slots they went to.

        ``steps`` gives each transition's number of summed rewards (n-step returns); None means 1.
        """
        count = len(rewards)
        index = (self.position + np.arange(count)) % self.capacity
        self.obs[index] = obs
        self.actions[index] = actions
        self.rewards[index] = rewards
        self.next_obs[index] = next_obs
        self.terminated[index] = terminated
        self.steps[index] = 1.0 if steps is None else steps
        self.position = int((self.position + count) % self.capacity)
        self.size = min(self.size + count, self.capacity)
        return index

    def sample(self, batch_size: int) -> TransitionBatch:
        """A uniformly sampled batch (with replacement) as tensors on the device."""
        return self.gather(self.rng.integers(0, self.size, size=batch_size))

    def gather(self, index: np.ndarray) -> TransitionBatch:
        """The transitions in slots ``index`` as tensors on the device."""

        def tensor(array: np.ndarray, dtype: torch.dtype | None = None) -> torch.Tensor:
            return torch.as_tensor(array[index], device=self.device, dtype=dtype)

        return TransitionBatch(
            obs=tensor(self.obs, torch.float32),
            actions=tensor(self.actions),
            rewards=tensor(self.rewards),
            next_obs=tensor(self.next_obs, torch.float32),
            terminated=tensor(self.terminated),
            steps=tensor(self.steps),
        )

    def state_dict(self) -> dict[str, Any]:
        """The stored transitions (as tensors) and the sampling stream, for resuming."""
        return {
            "obs": torch.from_numpy(self.obs[: self.size].copy()),
            "next_obs": torch.from_numpy(self.next_obs[: self.size].copy()),
            "actions": torch.from_numpy(self.actions[: self.size].copy()),
            "rewards": torch.from_numpy(self.rewards[: self.size].copy()),
            "terminated": torch.from_numpy(self.terminated[: self.size].copy()),
            "steps": torch.from_numpy(self.steps[: self.size].copy()),
            "position": self.position,
            "size": self.size,
            "capacity": self.capacity,
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned, also from a buffer of another capacity.

        A run resumed with another ``train.total_steps`` can size its buffer differently: the transitions
        are then laid out oldest first and the newest ones that fit are kept.
        """
        order = self.kept_order(state)
        size = int(state["size"]) if order is None else len(order)
        for name in ("obs", "next_obs", "actions", "rewards", "terminated", "steps"):
            if name not in state:  # older checkpoints hold 1-step transitions only
                getattr(self, name)[:size] = 1.0
                continue
            values = state[name].numpy()
            getattr(self, name)[:size] = values if order is None else values[order]
        self.size = size
        self.position = int(state["position"]) if order is None else size % self.capacity
        self.rng.bit_generator.state = state["rng"]

    def kept_order(self, state: dict[str, Any]) -> np.ndarray | None:
        """``None`` when a saved state fits this buffer slot for slot; else the saved slots to keep, oldest
        first (the saved ring starts at its write position once it has wrapped)."""
        size, position = int(state["size"]), int(state["position"])
        # Checkpoints before the capacity was saved: the same, unless more transitions were stored.
        saved_capacity = int(state.get("capacity", max(self.capacity, size)))
        if saved_capacity == self.capacity:
            return None
        order = np.arange(size)
        if size == saved_capacity:  # full: the oldest transition sits at the write position
            order = np.roll(order, -position)
        return order[-self.capacity :]
