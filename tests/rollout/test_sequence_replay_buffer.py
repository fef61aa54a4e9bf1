"""Sequence replay: overlapping sequences per env, episode boundaries and final observations inside them, the
stored recurrent states, padding, prioritized sampling and checkpoint round trips."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from rlkit.buffers.sequence_replay_buffer import SequenceReplayBuffer


def make_buffer(num_envs: int = 1, capacity: int = 16, alpha: float = 1.0) -> SequenceReplayBuffer:
    # A one-tensor (GRU-like) state of one layer and one unit: state value v is easy to follow.
    return SequenceReplayBuffer(
        capacity, num_envs, 4, 2, (1,), np.uint8, ((1, 1),), torch.device("cpu"), seed=0, alpha=alpha
    )


def state(value: float, num_envs: int = 1) -> tuple[np.ndarray]:
    return (np.full((1, num_envs, 1), value, dtype=np.float32),)


def add_step(buffer: SequenceReplayBuffer, t: int, terminated=False, truncated=False, next_obs=None) -> None:
    """Step t of a one-env stream: obs t, action t, reward 10 + t, state 100 + t before, 101 + t after."""
    next_obs = t + 1 if next_obs is None else next_obs
    buffer.add(
        np.array([[t]], np.uint8),
        np.array([t]),
        np.array([10.0 + t], np.float32),
        np.array([terminated]),
        np.array([truncated]),
        np.array([[next_obs]], np.uint8),
        state(100 + t),
        state(101 + t),
    )


def fill_stream(buffer: SequenceReplayBuffer) -> None:
    """Steps 0..6: step 2 ends an episode in a terminal state, step 5 is cut off by a time limit (final
    observation 55); then the loop resets the envs."""
    for t in range(7):
        add_step(buffer, t, terminated=t == 2, truncated=t == 5, next_obs=55 if t == 5 else None)
    buffer.flush()


def column(batch, name: str, sequence: int) -> list:
    return getattr(batch, name)[:, sequence].reshape(4).tolist()


def test_sequences_overlap_and_cross_episode_boundaries_with_final_observations_and_padding() -> None:
    buffer = make_buffer()
    fill_stream(buffer)
    assert len(buffer) == 4
    batch = buffer.gather(np.arange(4))
    assert batch.obs.dtype == torch.uint8 and batch.obs.shape == (4, 4, 1)  # time-major, env dtype kept
    F, T = False, True  # noqa: N806
    # A: steps 0-3; the terminal end at step 2, a new episode from step 3.
    assert column(batch, "obs", 0) == [0, 1, 2, 3]
    assert column(batch, "rewards", 0) == [10, 11, 12, 13]
    assert column(batch, "starts", 0) == [T, F, F, T]
    assert column(batch, "terminated", 0) == [F, F, T, F]
    assert column(batch, "ends", 0) == [F, F, T, F]
    assert column(batch, "mask", 0) == [T, T, T, T]
    # B: overlaps A by two steps (2, 3); step 5 is cut off.
    assert column(batch, "obs", 1) == [2, 3, 4, 5]
    assert column(batch, "starts", 1) == [F, T, F, F]
    assert column(batch, "ends", 1) == [T, F, F, T]
    assert column(batch, "terminated", 1) == [T, F, F, F]
    # C: the final observation 55 follows step 5 in the same episode (no start), masked out; step 6 starts.
    assert column(batch, "obs", 2) == [4, 5, 55, 6]
    assert column(batch, "actions", 2) == [4, 5, 0, 6]
    assert column(batch, "rewards", 2) == [14, 15, 0, 16]
    assert column(batch, "starts", 2) == [F, F, F, T]
    assert column(batch, "ends", 2) == [F, T, T, F]
    assert column(batch, "mask", 2) == [T, T, F, T]
    # D: closed by flush(): step 6's episode is cut off there, its next_obs 7 is its final observation,
    # then padding.
    assert column(batch, "obs", 3) == [55, 6, 7, 0]
    assert column(batch, "starts", 3) == [F, T, F, F]
    assert column(batch, "ends", 3) == [T, T, T, F]
    assert column(batch, "terminated", 3) == [F, F, F, F]
    assert column(batch, "mask", 3) == [F, T, F, F]
    # Each sequence keeps the state before its first step; the final observation's is the state after step 5.
    assert batch.states[0].reshape(4).tolist() == [100, 102, 104, 106]


def test_envs_are_cut_into_sequences_independently() -> None:
    buffer = SequenceReplayBuffer(8, 2, 3, 0, (1,), np.float32, ((1, 2),), torch.device("cpu"), seed=0)
    for t in range(3):
        obs = np.array([[t], [10 + t]], np.float32)
        states = (np.stack([np.full((2,), t), np.full((2,), 10 + t)])[None].astype(np.float32),)
        no = np.zeros(2, dtype=bool)
        buffer.add(obs, np.array([0, 1]), np.zeros(2, np.float32), no, no, obs + 1, states, states)
    batch = buffer.gather(np.arange(2))
    assert batch.obs[:, :, 0].T.tolist() == [[0, 1, 2], [10, 11, 12]]
    assert batch.states[0][0].tolist() == [[0, 0], [10, 10]]  # (layers, B, H)
    assert batch.starts[0].tolist() == [True, True]


def test_flush_without_new_steps_stores_nothing_twice() -> None:
    buffer = make_buffer()
    for t in range(4):
        add_step(buffer, t, terminated=t == 3)
    assert len(buffer) == 1  # full, and its last two steps carried into the next one
    buffer.flush()  # nothing new since: the carried steps are not stored again
    assert len(buffer) == 1


def test_sampling_follows_priorities_with_importance_weights() -> None:
    buffer = make_buffer(alpha=1.0)
    fill_stream(buffer)
    assert np.allclose(buffer.tree[np.arange(4)], 1.0)  # new sequences get the largest priority so far
    buffer.update_priorities(np.arange(4), np.array([1.0, 3.0, 0.0, 0.0]))
    probabilities = buffer.probabilities(np.arange(4))
    assert probabilities[:2] == pytest.approx([0.25, 0.75], abs=1e-5)
    batch = buffer.sample(4000, beta=1.0)
    counts = np.bincount(batch.indices, minlength=4) / 4000
    assert counts[1] == pytest.approx(0.75, abs=0.03) and counts[2:].sum() < 0.01
    # w = (N P)^-β / max w: (4 * 0.25)^-1 = 1 and (4 * 0.75)^-1 = 1/3, over the max 1.
    weight_of = dict(zip(batch.indices.tolist(), batch.weights.tolist(), strict=True))
    assert weight_of[0] == pytest.approx(1.0, rel=1e-4) and weight_of[1] == pytest.approx(1 / 3, rel=1e-4)
    buffer.update_priorities(np.array([0]), np.array([5.0]))
    fill_stream(buffer)  # later sequences enter at the running maximum, 5
    assert buffer.tree[np.array([4])] == pytest.approx(5.0, rel=1e-4)


def test_state_dict_round_trip_keeps_sequences_priorities_and_in_flight_steps() -> None:
    original = make_buffer()
    for t in range(6):
        add_step(original, t, terminated=t == 2)
    original.update_priorities(np.array([0]), np.array([2.5]))
    saved = io.BytesIO()
    torch.save(original.state_dict(), saved)
    saved.seek(0)
    restored = make_buffer()
    restored.load_state_dict(torch.load(saved, weights_only=True))
    for buffer in (original, restored):
        add_step(buffer, 6, truncated=True, next_obs=77)
        buffer.flush()
    assert len(restored) == len(original) == 3
    a, b = original.gather(np.arange(3)), restored.gather(np.arange(3))
    for name in ("obs", "actions", "rewards", "terminated", "ends", "starts", "mask"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert torch.equal(a.states[0], b.states[0])
    assert np.array_equal(original.tree.nodes, restored.tree.nodes)
    assert np.array_equal(original.sample(8).indices, restored.sample(8).indices)


def test_overlap_must_leave_new_steps() -> None:
    with pytest.raises(ValueError, match="overlap < length"):
        SequenceReplayBuffer(4, 1, 4, 4, (1,), np.float32, ((1, 1),), torch.device("cpu"), seed=0)


def test_a_buffer_of_another_capacity_loads_the_newest_sequences_with_their_priorities() -> None:
    # A run resumed with more or fewer total steps sizes its buffer differently.
    original = make_buffer(capacity=3)
    fill_stream(original)  # four sequences in three slots: A was overwritten by D, the ring wrapped
    original.update_priorities(np.arange(3), np.array([4.0, 2.0, 3.0]))  # D, B, C
    state = original.state_dict()
    smaller = make_buffer(capacity=2)
    smaller.load_state_dict(state)
    assert len(smaller) == 2 and smaller.position == 0
    assert smaller.gather(np.arange(2)).obs[0, :, 0].tolist() == [4, 55]  # C then D, oldest first
    assert smaller.tree[np.arange(2)] == pytest.approx([3.0, 4.0], rel=1e-4)
    larger = make_buffer(capacity=8)
    larger.load_state_dict(state)
    assert len(larger) == 3 and larger.position == 3
    assert larger.gather(np.arange(3)).obs[0, :, 0].tolist() == [2, 4, 55]  # B, C, D
