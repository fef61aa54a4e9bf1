"""Prioritized replay over a frame-sharing buffer: the sum tree of one, the frame pool of the other."""

from __future__ import annotations

import numpy as np
import torch

from rlkit.buffers.frame_replay_buffer import FrameReplayBuffer
from rlkit.buffers.prioritized_replay_buffer import PrioritizedReplayBuffer
from rlkit.buffers.replay_buffer import TransitionBatch

# Tries before giving up on drawing a batch of live transitions; a dropped slot has priority 0, so only
# floating-point rounding at a sum-tree boundary can pick one, and a redraw uses fresh random numbers.
_MAX_DRAWS = 8


class PrioritizedFrameReplayBuffer(PrioritizedReplayBuffer, FrameReplayBuffer):
    """A :class:`PrioritizedReplayBuffer` that stores observations as a :class:`FrameReplayBuffer` does.

    The method resolution order ``PrioritizedReplayBuffer -> FrameReplayBuffer -> ReplayBuffer`` puts the
    sum tree on top of the frame storage with neither duplicated: prioritized ``add``, ``sample`` and
    ``state_dict`` call the frame buffer's through ``super()``. What is added here: transitions the frame
    pool drops early get priority 0, so they are never sampled.

    Args:
        capacity: Transitions kept; the oldest are overwritten.
        obs_shape: Shape of one observation; its first dim is a multiple of ``frames_per_obs``.
        obs_dtype: Its dtype.
        action_shape: Shape of one action (``()`` for discrete).
        action_dtype: Its dtype.
        device: Where sampled batches go.
        seed: Seeds sampling.
        frames_per_obs: ``k``, frames per observation.
        frame_capacity: Frames the pool holds; see :class:`FrameReplayBuffer`.
        alpha: ``α``, how strongly priorities skew sampling (0: uniform).
        eps: ``ε`` added to every ``|δ|`` so no transition becomes unsampleable.
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
        frames_per_obs: int = 1,
        frame_capacity: int | None = None,
        alpha: float = 0.6,
        eps: float = 1e-6,
    ) -> None:
        super().__init__(
            capacity,
            obs_shape,
            obs_dtype,
            action_shape,
            action_dtype,
            device,
            seed,
            alpha=alpha,
            eps=eps,
            frames_per_obs=frames_per_obs,
            frame_capacity=frame_capacity,
        )

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
        # After the new priorities: a tiny pool can drop a transition of this very batch.
        self.tree.update(self.last_dropped, 0.0)
        return index

    def sample(self, batch_size: int, beta: float = 1.0) -> TransitionBatch:
        """A stratified prioritized batch of live transitions with importance weights for ``beta``."""
        if self.live == 0:
            raise ValueError("cannot sample from an empty PrioritizedFrameReplayBuffer")
        for _ in range(_MAX_DRAWS):
            batch = super().sample(batch_size, beta)
            assert batch.indices is not None  # prioritized batches always name their slots
            if self.is_live(batch.indices).all():
                return batch
        raise RuntimeError("could not draw a batch of live transitions; is the sum tree corrupted?")
