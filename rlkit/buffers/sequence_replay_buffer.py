"""Prioritized replay of fixed-length sequences for recurrent Q-learning (R2D2, Kapturowski et al., 2019).

Each env's stream of steps is cut into sequences of ``length`` stored steps (burn-in plus training part);
consecutive sequences of one env overlap by ``overlap`` steps, so one starts every ``length - overlap`` steps.
R2D2 stores 40 burn-in steps, 80 trained steps and the step the last trained one bootstraps from (``length``
121), and starts a sequence every 40 steps (``overlap`` 81).
A sequence keeps the recurrent state the actor had before its first step (R2D2's "stored state") and may
cross episode boundaries: ``starts`` marks the steps where an episode begins, where the learner's core
wipes its memory exactly as the actor's did.

Two kinds of stored step are not for learning (``mask`` 0):

* the **final observation** of an episode cut off without a terminal state (a time limit, or the loop
  resetting the envs): stored as one extra step after the episode's last one, in the same episode (no
  start flag), so the learner reaches it with the episode's memory and bootstraps from its Q-value. Its
  action and reward are 0. A terminated episode needs no such step (nothing to bootstrap).
* **padding** after the end of the data, when a sequence is closed early (:meth:`flush`).

Per stored step: ``obs`` (the env's dtype: uint8 stays uint8), ``actions``, ``rewards``, ``terminated``
(the episode ended in a terminal state after this step), ``ends`` (the episode ended after this step, either
way), ``starts`` and ``mask``. Sequences are sampled in proportion to ``p^α`` through a
:class:`~rlkit.buffers.sum_tree.SumTree`, with importance weights ``(N·P(i))^-β / max_j w_j``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rlkit.buffers.sum_tree import SumTree

_STEP_FIELDS = ("obs", "actions", "rewards", "terminated", "ends", "starts", "mask")


@dataclass(frozen=True)
class SequenceBatch:
    """Sampled sequences on the learner's device, time-major: per-step fields are ``(L, B, ...)``."""

    obs: torch.Tensor
    actions: torch.Tensor
    rewards: torch.Tensor
    terminated: torch.Tensor
    ends: torch.Tensor
    starts: torch.Tensor
    #: (L, B) 1 for steps to learn from, 0 for final observations and padding.
    mask: torch.Tensor
    #: The recurrent state before each sequence's first step, each ``(num_layers, B, hidden)``.
    states: tuple[torch.Tensor, ...]
    #: (B,) importance-sampling weights.
    weights: torch.Tensor
    #: (B,) sequence slots sampled, to update their priorities.
    indices: np.ndarray


class _SequenceArrays:
    """``count`` sequences of ``length`` steps in NumPy arrays, with one stored state per position or
    sequence (``state_positions`` of them)."""

    def __init__(
        self,
        count: int,
        length: int,
        obs_shape: tuple[int, ...],
        obs_dtype: np.dtype,
        state_shapes: tuple[tuple[int, ...], ...],
        state_positions: int,
    ) -> None:
        self.obs = np.zeros((count, length, *obs_shape), dtype=obs_dtype)
        self.actions = np.zeros((count, length), dtype=np.int64)
        self.rewards = np.zeros((count, length), dtype=np.float32)
        self.terminated = np.zeros((count, length), dtype=bool)
        self.ends = np.zeros((count, length), dtype=bool)
        self.starts = np.zeros((count, length), dtype=bool)
        self.mask = np.zeros((count, length), dtype=bool)
        self.states = [np.zeros((count, state_positions, *shape), dtype=np.float32) for shape in state_shapes]

    def state_dict(self, count: int) -> dict[str, Any]:
        state: dict[str, Any] = {
            name: torch.from_numpy(getattr(self, name)[:count].copy()) for name in _STEP_FIELDS
        }
        state["states"] = [torch.from_numpy(s[:count].copy()) for s in self.states]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        count = len(state["mask"])
        for name in _STEP_FIELDS:
            getattr(self, name)[:count] = state[name].numpy()
        for array, tensor in zip(self.states, state["states"], strict=True):
            array[:count] = tensor.numpy()


class SequenceReplayBuffer:
    """Builds overlapping sequences from each env's steps and replays them by priority.

    Args:
        capacity: Sequences kept; the oldest are overwritten.
        num_envs: Envs whose streams are cut into sequences.
        length: Stored steps per sequence (R2D2: burn-in, trained steps, one step to bootstrap from).
        overlap: Steps shared by consecutive sequences of one env (``0 <= overlap < length``).
        obs_shape: Shape of one observation.
        obs_dtype: Its dtype (kept in storage).
        state_shapes: Shape of each recurrent state tensor for one env, e.g. ``((layers, hidden),) * 2`` for
            an LSTM.
        device: Where sampled batches go.
        seed: Seeds sampling.
        alpha: Priority exponent ``α`` (0: uniform sampling).
        eps: Added to priorities so no sequence becomes unsampleable.
    """

    def __init__(
        self,
        capacity: int,
        num_envs: int,
        length: int,
        overlap: int,
        obs_shape: tuple[int, ...],
        obs_dtype: np.dtype,
        state_shapes: tuple[tuple[int, ...], ...],
        device: torch.device,
        seed: int,
        alpha: float = 0.9,
        eps: float = 1e-6,
    ) -> None:
        if not 0 <= overlap < length:
            raise ValueError(f"SequenceReplayBuffer needs 0 <= overlap < length, got {overlap} and {length}")
        if alpha < 0 or eps <= 0:
            raise ValueError(f"SequenceReplayBuffer needs alpha >= 0 and eps > 0, got {alpha} and {eps}")
        self.capacity = capacity
        self.num_envs = num_envs
        self.length = length
        self.overlap = overlap
        self.device = device
        self.alpha = alpha
        self.eps = eps
        self.storage = _SequenceArrays(capacity, length, obs_shape, obs_dtype, state_shapes, 1)
        # In-flight sequences, one per env, with the state before every position (the next sequence starts
        # from the one at ``length - overlap``).
        self.building = _SequenceArrays(num_envs, length, obs_shape, obs_dtype, state_shapes, length)
        self.filled = np.zeros(num_envs, dtype=np.int64)
        # Leading steps of the in-flight sequence already stored in the previous one (not new data).
        self.carried = np.zeros(num_envs, dtype=np.int64)
        self.next_starts = np.ones(num_envs, dtype=bool)
        # What flush() needs to close an episode still running: its latest next_obs and the state after it.
        self.last_next_obs = np.zeros((num_envs, *obs_shape), dtype=obs_dtype)
        self.last_next_states = [np.zeros((num_envs, *shape), dtype=np.float32) for shape in state_shapes]
        self.tree = SumTree(capacity)
        self.max_priority = 1.0
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
        terminated: np.ndarray,
        truncated: np.ndarray,
        next_obs: np.ndarray,
        states: tuple[torch.Tensor, ...] | list[np.ndarray],
        next_states: tuple[torch.Tensor, ...] | list[np.ndarray],
    ) -> None:
        """Append one vector-env step to every env's in-flight sequence, storing full ones.

        Args:
            obs: (num_envs, ...) observations acted on.
            actions: (num_envs,) actions taken.
            rewards: (num_envs,) rewards received.
            terminated: (num_envs,) the episode ended in a terminal state.
            truncated: (num_envs,) the episode was cut off: ``next_obs`` is stored as its final observation.
            next_obs: (num_envs, ...) the observation after the step (the final one where an episode ended).
            states: The recurrent state before the step, each ``(num_layers, num_envs, hidden)``.
            next_states: The state after the step (before any reset), same shapes.
        """
        states_np = [_env_major(s) for s in states]
        next_states_np = [_env_major(s) for s in next_states]
        terminated = np.asarray(terminated, dtype=bool)
        truncated = np.asarray(truncated, dtype=bool) & ~terminated
        for env in range(self.num_envs):
            self._push(
                env,
                obs[env],
                int(actions[env]),
                float(rewards[env]),
                bool(terminated[env]),
                bool(terminated[env] or truncated[env]),
                [s[env] for s in states_np],
            )
            if truncated[env]:
                self._push_final(env, next_obs[env], [s[env] for s in next_states_np])
        self.next_starts = terminated | truncated
        self.last_next_obs[:] = next_obs
        for array, value in zip(self.last_next_states, next_states_np, strict=True):
            array[:] = value

    def flush(self, envs: np.ndarray | None = None) -> None:
        """Close the in-flight sequences of ``envs`` (a bool mask; None: every env): their streams are cut
        here (the loop reset those envs).

        An episode still running gets its latest ``next_obs`` as final observation (bootstrapped as at a
        time limit); the rest of the sequence is padding. The next step starts new sequences and episodes.
        """
        env_indices: list[int] = list(range(self.num_envs)) if envs is None else np.flatnonzero(envs).tolist()
        for env in env_indices:
            filled = self.filled[env]
            if filled > 0 and not self.building.ends[env, filled - 1]:
                # The episode is cut off here: its last step ends it, bootstrapping from the final obs.
                self.building.ends[env, filled - 1] = True
                self._push_final(env, self.last_next_obs[env], [s[env] for s in self.last_next_states])
            if self.filled[env] > self.carried[env]:
                self._store(env, int(self.filled[env]))
            self.filled[env] = 0
            self.carried[env] = 0
            self.next_starts[env] = True

    def _push(
        self,
        env: int,
        obs: np.ndarray,
        action: int,
        reward: float,
        terminated: bool,
        ends: bool,
        state: list[np.ndarray],
        mask: bool = True,
        start: bool | None = None,
    ) -> None:
        b, t = self.building, int(self.filled[env])
        b.obs[env, t] = obs
        b.actions[env, t] = action
        b.rewards[env, t] = reward
        b.terminated[env, t] = terminated
        b.ends[env, t] = ends
        b.starts[env, t] = self.next_starts[env] if start is None else start
        b.mask[env, t] = mask
        for array, value in zip(b.states, state, strict=True):
            array[env, t] = value
        self.filled[env] = t + 1
        if t + 1 == self.length:
            self._store(env, self.length)
            self._carry_over(env)

    def _push_final(self, env: int, final_obs: np.ndarray, state: list[np.ndarray]) -> None:
        """The final observation of a cut-off episode, after its last step: a bootstrap-only step."""
        self._push(env, final_obs, 0, 0.0, False, True, state, mask=False, start=False)

    def _carry_over(self, env: int) -> None:
        """Start env's next sequence with the last ``overlap`` steps of the one just stored."""
        b, stride = self.building, self.length - self.overlap
        for name in _STEP_FIELDS:
            array = getattr(b, name)
            array[env, : self.overlap] = array[env, stride:].copy()
        for array in b.states:
            array[env, : self.overlap] = array[env, stride:].copy()
        self.filled[env] = self.overlap
        self.carried[env] = self.overlap

    def _store(self, env: int, filled: int) -> None:
        """Copy env's in-flight sequence (``filled`` real steps, the rest padding) into the ring."""
        slot, b, s = self.position, self.building, self.storage
        for name in _STEP_FIELDS:
            target = getattr(s, name)
            target[slot] = 0
            target[slot, :filled] = getattr(b, name)[env, :filled]
        for target, source in zip(s.states, b.states, strict=True):
            target[slot, 0] = source[env, 0]
        self.tree.update(np.array([slot]), self.max_priority**self.alpha)
        self.position = (slot + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def probabilities(self, index: np.ndarray) -> np.ndarray:
        """``P(i)`` for the slots ``index``."""
        return self.tree[index] / self.tree.total

    def sample(self, batch_size: int, beta: float = 1.0) -> SequenceBatch:
        """A stratified prioritized batch of sequences with importance weights for exponent ``beta``."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty SequenceReplayBuffer")
        total = self.tree.total
        prefix = (np.arange(batch_size) + self.rng.random(batch_size)) * (total / batch_size)
        # Rounding can put a prefix sum at the total, past the last filled slot: keep it inside.
        index = np.minimum(self.tree.find(np.minimum(prefix, np.nextafter(total, 0.0))), self.size - 1)
        weights = (self.size * self.probabilities(index)) ** -beta
        weights /= weights.max()
        return self.gather(index, torch.as_tensor(weights, dtype=torch.float32, device=self.device))

    def gather(self, index: np.ndarray, weights: torch.Tensor | None = None) -> SequenceBatch:
        """The sequences in slots ``index``, time-major, as tensors on the device (weights 1 if None)."""
        s = self.storage

        def steps(array: np.ndarray, dtype: torch.dtype | None = None) -> torch.Tensor:
            return torch.as_tensor(array[index].swapaxes(0, 1), device=self.device, dtype=dtype)

        if weights is None:
            weights = torch.ones(len(index), device=self.device)
        return SequenceBatch(
            obs=steps(s.obs),
            actions=steps(s.actions),
            rewards=steps(s.rewards),
            terminated=steps(s.terminated),
            ends=steps(s.ends),
            starts=steps(s.starts),
            mask=steps(s.mask),
            # (B, 1, layers, H) -> (layers, B, H)
            states=tuple(torch.as_tensor(st[index, 0].swapaxes(0, 1), device=self.device) for st in s.states),
            weights=weights,
            indices=index,
        )

    def update_priorities(self, index: np.ndarray, priorities: np.ndarray) -> None:
        """Set the priorities of slots ``index`` (e.g. R2D2's mixed max/mean |TD error|), plus ``eps``."""
        priorities = np.abs(np.asarray(priorities, dtype=np.float64)) + self.eps
        self.tree.update(index, priorities**self.alpha)
        self.max_priority = max(self.max_priority, float(priorities.max()))

    def state_dict(self) -> dict[str, Any]:
        """Stored sequences, priorities, in-flight sequences and the sampling stream, for resuming."""
        return {
            "storage": self.storage.state_dict(self.size),
            "building": self.building.state_dict(self.num_envs),
            "filled": torch.from_numpy(self.filled.copy()),
            "carried": torch.from_numpy(self.carried.copy()),
            "next_starts": torch.from_numpy(self.next_starts.copy()),
            "last_next_obs": torch.from_numpy(self.last_next_obs.copy()),
            "last_next_states": [torch.from_numpy(s.copy()) for s in self.last_next_states],
            "tree": self.tree.state_dict(),
            "max_priority": self.max_priority,
            "position": self.position,
            "size": self.size,
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        if len(state["filled"]) != self.num_envs:
            raise ValueError(
                f"SequenceReplayBuffer state has {len(state['filled'])} envs, this buffer {self.num_envs}"
            )
        if len(state["tree"]["nodes"]) == len(self.tree.nodes):
            self.storage.load_state_dict(state["storage"])
            self.tree.load_state_dict(state["tree"])
            self.position = int(state["position"])
            self.size = int(state["size"])
        else:
            self._load_resized(state)
        self.building.load_state_dict(state["building"])
        self.filled[:] = state["filled"].numpy()
        self.carried[:] = state["carried"].numpy()
        self.next_starts[:] = state["next_starts"].numpy()
        self.last_next_obs[:] = state["last_next_obs"].numpy()
        for array, tensor in zip(self.last_next_states, state["last_next_states"], strict=True):
            array[:] = tensor.numpy()
        self.max_priority = float(state["max_priority"])
        self.rng.bit_generator.state = state["rng"]

    def _load_resized(self, state: dict[str, Any]) -> None:
        """Load sequences saved by a buffer of another capacity (a run resumed with another length):
        the newest that fit, oldest first, with their priorities."""
        size, position = int(state["size"]), int(state["position"])
        order = np.roll(np.arange(size), -position) if position < size else np.arange(size)
        order = order[-self.capacity :]
        saved = state["storage"]
        resized = {name: saved[name][order] for name in _STEP_FIELDS}
        resized["states"] = [tensor[order] for tensor in saved["states"]]
        self.storage.load_state_dict(resized)
        nodes = state["tree"]["nodes"].numpy()
        leaf_start = len(nodes) // 2
        self.tree.nodes[:] = 0.0
        self.tree.update(np.arange(len(order)), nodes[leaf_start + order])
        self.size = len(order)
        self.position = self.size % self.capacity


def _env_major(state: torch.Tensor | np.ndarray) -> np.ndarray:
    """A ``(num_layers, num_envs, hidden)`` state as a ``(num_envs, num_layers, hidden)`` float32 array."""
    if isinstance(state, torch.Tensor):
        state = state.detach().cpu().numpy()
    return np.asarray(state, dtype=np.float32).swapaxes(0, 1)
