"""A replay buffer for stacked image observations that stores every distinct frame once.

A stack of ``k`` frames shares ``k - 1`` of them with the previous step's stack, and a transition's
``next_obs`` is the next transition's ``obs``: a plain :class:`~rlkit.buffers.replay_buffer.ReplayBuffer`
keeps each frame up to ``2k`` times. Here observations are split into ``k`` frames that go into a shared,
reference-counted frame pool, found again by content: a frame equal to one already in the pool is stored as
a reference to it. Transitions keep ``k`` frame ids for ``obs`` and ``k`` for ``next_obs``.

Matching by content (a hash to find the candidate, then an exact comparison) needs nothing from the
caller beyond the plain buffer's ``add``: no env ids, no episode boundaries, no time order. It is exact by
construction (a reference is only made to an equal frame), it covers n-step transitions (``next_obs`` is
``steps`` frames later in the same stream), reset padding (``k`` copies of the first frame are one frame)
and terminal observations alike, and every transition is complete when ``add`` returns. A frame stays in
the pool while a stored transition refers to it, so a live transition's frames are never overwritten.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rlkit.buffers.replay_buffer import ReplayBuffer, TransitionBatch
from rlkit.errors import RlkitError

#: Pool frames per transition by default: one new frame per env step, plus room for the frames that
#: start episodes (reset observations) in episodes of 4 steps or more.
DEFAULT_FRAMES_PER_TRANSITION = 1.25


class FrameReplayBuffer(ReplayBuffer):
    """A :class:`ReplayBuffer` whose observations are stacks of ``frames_per_obs`` frames stored once each.

    Observations ``(k * C, ...)`` are cut along their first axis into ``k`` frames of shape ``(C, ...)``
    (for a :class:`vision.FrameStack` observation: its frames; any split is exact, a finer one shares
    more). The API is the plain buffer's; batches hold the same tensors it would give.

    Transitions are kept first in, first out, as in the plain buffer. When the frame pool runs out (short
    episodes start many new frames), the oldest transitions are dropped early to free their frames; they
    are no longer sampled, and ``len()`` counts only the transitions that can be sampled.

    Args:
        capacity: Transitions kept; the oldest are overwritten.
        obs_shape: Shape of one observation; its first dim is a multiple of ``frames_per_obs``.
        obs_dtype: Its dtype.
        action_shape: Shape of one action (``()`` for discrete).
        action_dtype: Its dtype.
        device: Where sampled batches go.
        seed: Seeds sampling.
        frames_per_obs: ``k``, frames per observation.
        frame_capacity: Frames the pool holds (at least ``2k``); ``None`` gives
            :data:`DEFAULT_FRAMES_PER_TRANSITION` per transition.
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
    ) -> None:
        # The plain buffer's constructor is not called: it would allocate the obs and next_obs arrays that
        # this class exists to avoid. Everything else it sets is set here.
        obs_shape = tuple(int(d) for d in obs_shape)
        if frames_per_obs < 1 or not obs_shape or obs_shape[0] % frames_per_obs:
            raise ValueError(
                f"FrameReplayBuffer needs an obs_shape whose first dim splits into frames_per_obs frames, "
                f"got obs_shape {obs_shape} and frames_per_obs {frames_per_obs}"
            )
        k = frames_per_obs
        if frame_capacity is None:
            frame_capacity = int(capacity * DEFAULT_FRAMES_PER_TRANSITION) + 2 * k
        if frame_capacity < 2 * k or frame_capacity >= 2**31:
            raise ValueError(f"frame_capacity must be in [2 * frames_per_obs, 2**31), got {frame_capacity}")
        self.capacity = capacity
        self.device = device
        self.obs_shape = obs_shape
        self.frames_per_obs = k
        self.frame_shape = (obs_shape[0] // k, *obs_shape[1:])
        self.actions = np.zeros((capacity, *action_shape), dtype=action_dtype)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.steps = np.ones(capacity, dtype=np.float32)
        # Per transition, the pool ids of the k frames of obs and of next_obs, oldest first.
        self.obs_frames = np.zeros((capacity, k), dtype=np.int32)
        self.next_frames = np.zeros((capacity, k), dtype=np.int32)
        self.position = 0
        self.size = 0
        #: Transitions that can be sampled: always the ``live`` most recently added ones.
        self.live = 0
        self.rng = np.random.default_rng(seed)

        self.frame_capacity = frame_capacity
        self.frames = np.zeros((frame_capacity, *self.frame_shape), dtype=obs_dtype)
        self.frame_refs = np.zeros(frame_capacity, dtype=np.int32)
        self.frame_keys = np.zeros(frame_capacity, dtype=np.uint64)
        # A stack of free ids, popped from the end: ids come out 0, 1, 2, ... at first, so pool pages that
        # are never needed are never touched (np.zeros memory is only committed when written).
        self.free_ids = np.arange(frame_capacity - 1, -1, -1, dtype=np.int32)
        self.free_count = frame_capacity
        #: One past the highest id ever handed out: ids below it are the pool's used part.
        self.high_water = 0
        #: Frame content key -> id of a live frame with that key.
        self.frame_index: dict[int, int] = {}
        # Fixed odd multipliers of the content key (a hash; equality is always checked on the bytes).
        self._frame_bytes = int(np.prod(self.frame_shape)) * np.dtype(obs_dtype).itemsize
        self._word = np.uint64 if self._frame_bytes % 8 == 0 else np.uint8
        words = self._frame_bytes // np.dtype(self._word).itemsize
        key_rng = np.random.default_rng(0x5EED)
        self._key_weights = key_rng.integers(0, 2**63, size=words, dtype=np.uint64) * 2 + 1
        #: Slots dropped early by the last :meth:`add` to free frames (prioritized replay zeroes them).
        self.last_dropped = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return self.live

    def nbytes(self) -> int:
        """Bytes of the preallocated arrays (the frame index dict not included)."""
        arrays = (
            self.actions,
            self.rewards,
            self.terminated,
            self.steps,
            self.obs_frames,
            self.next_frames,
            self.frames,
            self.frame_refs,
            self.frame_keys,
            self.free_ids,
        )
        return sum(a.nbytes for a in arrays)

    def frames_in_use(self) -> int:
        """Frames of the pool that stored transitions refer to (each distinct frame once)."""
        return self.frame_capacity - self.free_count

    def _split(self, obs: np.ndarray) -> np.ndarray:
        """``(N, k, *frame_shape)`` frames of ``N`` observations."""
        obs = np.ascontiguousarray(obs, dtype=self.frames.dtype)
        return obs.reshape(len(obs), self.frames_per_obs, *self.frame_shape)

    def _keys(self, frames: np.ndarray) -> list[int]:
        """A content key per frame of ``(N, k, *frame_shape)`` frames, as Python ints (row-major)."""
        words = frames.reshape(-1, self._frame_bytes // frames.itemsize).view(np.uint8).view(self._word)
        # uint64 arithmetic wraps modulo 2^64, which is what a multiplicative hash wants.
        return (words.astype(np.uint64, copy=False) * self._key_weights).sum(axis=1, dtype=np.uint64).tolist()

    def add(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        next_obs: np.ndarray,
        terminated: np.ndarray,
        steps: np.ndarray | None = None,
    ) -> np.ndarray:
        """Add a batch of transitions (first dimension: transitions) and return the slots they went to.

        ``steps`` gives each transition's number of summed rewards (n-step returns); None means 1.
        """
        count = len(rewards)
        index = (self.position + np.arange(count)) % self.capacity
        obs_frames, next_frames = self._split(obs), self._split(next_obs)
        obs_keys, next_keys = self._keys(obs_frames), self._keys(next_frames)
        k = self.frames_per_obs
        dropped: list[int] = []
        for i, slot in enumerate(index.tolist()):
            if self.live == self.capacity:  # the slot holds the oldest live transition: overwrite it
                self._release(slot)
                self.live -= 1
            for f in range(k):
                self.obs_frames[slot, f] = self._intern(obs_frames[i, f], obs_keys[i * k + f], dropped)
            for f in range(k):
                self.next_frames[slot, f] = self._intern(next_frames[i, f], next_keys[i * k + f], dropped)
            self.position = (slot + 1) % self.capacity
            self.live += 1
            self.size = min(self.size + 1, self.capacity)
        self.actions[index] = actions
        self.rewards[index] = rewards
        self.terminated[index] = terminated
        self.steps[index] = 1.0 if steps is None else steps
        self.last_dropped = np.asarray(dropped, dtype=np.int64)
        return index

    def _intern(self, frame: np.ndarray, key: int, dropped: list[int]) -> int:
        """The id of a pool frame equal to ``frame`` (stored now if none is), with one more reference."""
        frame_id = self.frame_index.get(key)
        if frame_id is None or not np.array_equal(self.frames[frame_id], frame):
            while self.free_count == 0:
                # Pool full: drop the oldest live transition (never the one being added, which is not yet
                # live and holds at most 2k references, fewer than the pool's frames).
                oldest = (self.position - self.live) % self.capacity
                self._release(oldest)
                self.live -= 1
                dropped.append(oldest)
            self.free_count -= 1
            frame_id = int(self.free_ids[self.free_count])
            self.high_water = max(self.high_water, frame_id + 1)
            self.frames[frame_id] = frame
            self.frame_keys[frame_id] = key
            # A key collision (same key, different bytes) repoints the key to the newer frame.
            self.frame_index[key] = frame_id
        self.frame_refs[frame_id] += 1
        return frame_id

    def _release(self, slot: int) -> None:
        """Drop the frame references of the transition in ``slot``, freeing frames nobody refers to."""
        for frame_id in (*self.obs_frames[slot].tolist(), *self.next_frames[slot].tolist()):
            self.frame_refs[frame_id] -= 1
            if self.frame_refs[frame_id] == 0:
                self.free_ids[self.free_count] = frame_id
                self.free_count += 1
                key = int(self.frame_keys[frame_id])
                if self.frame_index.get(key) == frame_id:
                    del self.frame_index[key]

    def is_live(self, index: np.ndarray) -> np.ndarray:
        """Whether slots ``index`` hold transitions that can be sampled."""
        age = (self.position - 1 - np.asarray(index)) % self.capacity
        return (age < self.live) & (np.asarray(index) < self.size)

    def sample(self, batch_size: int) -> TransitionBatch:
        """A uniformly sampled batch (with replacement) of live transitions as tensors on the device."""
        if self.live == 0:
            raise ValueError("cannot sample from an empty FrameReplayBuffer")
        if self.live == self.size:  # nothing dropped: the same draws as the plain buffer
            return self.gather(self.rng.integers(0, self.size, size=batch_size))
        age = self.rng.integers(0, self.live, size=batch_size)
        return self.gather((self.position - 1 - age) % self.capacity)

    def gather(self, index: np.ndarray) -> TransitionBatch:
        """The transitions in slots ``index`` as tensors on the device."""

        def tensor(array: np.ndarray, dtype: torch.dtype | None = None) -> torch.Tensor:
            return torch.as_tensor(array, device=self.device, dtype=dtype)

        def observations(frame_ids: np.ndarray) -> torch.Tensor:
            # (B, k) ids -> (B, k, C, ...) frames -> (B, k*C, ...): one gather, as the plain buffer's.
            return tensor(self.frames[frame_ids[index]].reshape(len(index), *self.obs_shape), torch.float32)

        return TransitionBatch(
            obs=observations(self.obs_frames),
            actions=tensor(self.actions[index]),
            rewards=tensor(self.rewards[index]),
            next_obs=observations(self.next_frames),
            terminated=tensor(self.terminated[index]),
            steps=tensor(self.steps[index]),
        )

    def state_dict(self) -> dict[str, Any]:
        """The transitions, the frames they use, the pool's bookkeeping and the sampling stream."""
        used = self.high_water

        def array(a: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(a.copy())

        keys = np.fromiter(self.frame_index.keys(), dtype=np.uint64, count=len(self.frame_index))
        ids = np.fromiter(self.frame_index.values(), dtype=np.int64, count=len(self.frame_index))
        return {
            "actions": array(self.actions[: self.size]),
            "rewards": array(self.rewards[: self.size]),
            "terminated": array(self.terminated[: self.size]),
            "steps": array(self.steps[: self.size]),
            "obs_frames": array(self.obs_frames[: self.size]),
            "next_frames": array(self.next_frames[: self.size]),
            "frames": array(self.frames[:used]),
            "frame_refs": array(self.frame_refs[:used]),
            # torch has no general uint64 support: keys travel as their int64 bit patterns.
            "frame_keys": array(self.frame_keys[:used].view(np.int64)),
            "free_ids": array(self.free_ids[: self.free_count]),
            "index_keys": array(keys.view(np.int64)),
            "index_ids": array(ids),
            "position": self.position,
            "size": self.size,
            "capacity": self.capacity,
            "live": self.live,
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned, into a buffer of the same capacity."""
        saved_capacity = int(state.get("capacity", self.capacity))
        if saved_capacity != self.capacity:
            # Frames are shared between transitions: re-laying them out is not worth its complexity.
            raise RlkitError(
                f"the checkpoint's frame replay holds up to {saved_capacity} transitions, this run's "
                f"{self.capacity} (the smaller of agent.buffer_size and train.total_steps); "
                f"resume with agent.buffer_size={saved_capacity}"
            )
        size = int(state["size"])
        used = len(state["frames"])
        if used > self.frame_capacity or size > self.capacity:
            raise ValueError(
                f"replay state needs capacity {size} and frame_capacity {used}; this buffer has "
                f"{self.capacity} and {self.frame_capacity}"
            )
        for name in ("actions", "rewards", "terminated", "steps", "obs_frames", "next_frames"):
            getattr(self, name)[:size] = state[name].numpy()
        self.frames[:used] = state["frames"].numpy()
        self.frame_refs[:] = 0
        self.frame_refs[:used] = state["frame_refs"].numpy()
        self.frame_keys[:used] = state["frame_keys"].numpy().view(np.uint64)
        self.high_water = used
        self.free_count = len(state["free_ids"])
        self.free_ids[: self.free_count] = state["free_ids"].numpy()
        keys = state["index_keys"].numpy().view(np.uint64).tolist()
        self.frame_index = dict(zip(keys, state["index_ids"].numpy().tolist(), strict=True))
        self.size = size
        self.live = int(state["live"])
        self.position = int(state["position"])
        self.rng.bit_generator.state = state["rng"]
