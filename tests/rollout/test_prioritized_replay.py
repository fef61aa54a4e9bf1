"""The sum tree and prioritized replay on hand-computed numbers."""

import numpy as np
import pytest
import torch

from rlkit.buffers.prioritized_replay_buffer import PrioritizedReplayBuffer
from rlkit.buffers.sum_tree import SumTree


def test_sum_tree_totals_and_prefix_sum_search_are_exact() -> None:
    tree = SumTree(5)  # 8 leaves underneath, 3 unused
    tree.update(np.arange(5), np.array([1.0, 2.0, 0.0, 3.0, 4.0]))
    assert tree.total == 10.0
    assert tree.nodes[2] == 6.0 and tree.nodes[3] == 4.0  # leaves 0–3 and 4–7
    # Cumulative sums 1, 3, 3, 6, 10: a value falls in the first leaf whose cumulative sum exceeds it.
    values = [0.0, 0.999, 1.0, 2.999, 3.0, 5.999, 6.0, 9.999]
    assert tree.find(np.array(values)).tolist() == [0, 0, 1, 1, 3, 3, 4, 4]  # the 0-priority leaf 2: never
    tree.update(np.array([3, 3]), np.array([7.0, 0.5]))  # a repeated index keeps its last value
    assert tree.total == 7.5 and tree[3] == 0.5
    with pytest.raises(ValueError, match="non-negative"):
        tree.update(np.array([0]), np.array([-1.0]))


def buffer_with(priorities: list[float], alpha: float, seed: int = 0) -> PrioritizedReplayBuffer:
    buffer = PrioritizedReplayBuffer(
        len(priorities), (1,), np.float32, (), np.int64, torch.device("cpu"), seed, alpha=alpha, eps=1e-6
    )
    obs = np.arange(len(priorities), dtype=np.float32)[:, None]
    buffer.add(obs, np.zeros(len(priorities)), obs[:, 0], obs, np.zeros(len(priorities)))
    buffer.update_priorities(np.arange(len(priorities)), np.array(priorities) - 1e-6)
    return buffer


def test_sampling_frequencies_match_priorities_to_the_alpha() -> None:
    buffer = buffer_with([1.0, 4.0, 9.0, 16.0], alpha=0.5)  # p^α = 1, 2, 3, 4 → P = 0.1, 0.2, 0.3, 0.4
    counts = np.zeros(4)
    for _ in range(500):
        counts += np.bincount(buffer.sample(64).indices, minlength=4)
    np.testing.assert_allclose(counts / counts.sum(), [0.1, 0.2, 0.3, 0.4], atol=0.01)


def test_importance_weights_on_a_four_element_example() -> None:
    buffer = buffer_with([1.0, 4.0, 9.0, 16.0], alpha=0.5)
    batch = buffer.sample(64, beta=1.0)
    assert sorted(set(batch.indices.tolist())) == [0, 1, 2, 3]
    # w = (N·P)^-β = (0.4, 0.8, 1.2, 1.6)^-1, divided by the largest (1/0.4): 1, 1/2, 1/3, 1/4.
    expected = np.array([1.0, 0.5, 1 / 3, 0.25])
    np.testing.assert_allclose(batch.weights.numpy(), expected[batch.indices], rtol=1e-5)
    batch = buffer.sample(64, beta=0.5)
    assert sorted(set(batch.indices.tolist())) == [0, 1, 2, 3]
    np.testing.assert_allclose(batch.weights.numpy(), expected[batch.indices] ** 0.5, rtol=1e-5)
    assert torch.equal(batch.rewards, batch.obs[:, 0])  # each slot's own transition


def test_new_transitions_get_the_largest_priority_seen() -> None:
    buffer = buffer_with([1.0, 4.0], alpha=1.0)
    assert buffer.max_priority == pytest.approx(4.0)
    grown = PrioritizedReplayBuffer(3, (1,), np.float32, (), np.int64, torch.device("cpu"), 0, alpha=1.0)
    grown.add(np.zeros((2, 1)), np.zeros(2), np.zeros(2), np.zeros((2, 1)), np.zeros(2))
    grown.update_priorities(np.array([0, 1]), np.array([2.0, 0.5]))
    grown.add(np.zeros((1, 1)), np.zeros(1), np.zeros(1), np.zeros((1, 1)), np.zeros(1))
    assert grown.tree[2] == pytest.approx(2.0 + 1e-6)


def test_state_dict_round_trip_samples_identically() -> None:
    buffer = buffer_with([1.0, 4.0, 9.0, 16.0], alpha=0.6)
    buffer.sample(8)
    clone = PrioritizedReplayBuffer(4, (1,), np.float32, (), np.int64, torch.device("cpu"), 99, alpha=0.6)
    clone.load_state_dict(buffer.state_dict())
    a, b = buffer.sample(16, 0.7), clone.sample(16, 0.7)
    assert a.indices.tolist() == b.indices.tolist()
    assert torch.equal(a.weights, b.weights)
    assert clone.max_priority == buffer.max_priority


@pytest.mark.parametrize("new_capacity", [4, 6, 16])
def test_a_resume_into_another_capacity_keeps_the_newest_transitions_with_their_priorities(
    new_capacity: int,
) -> None:
    old = PrioritizedReplayBuffer(6, (1,), np.float32, (), np.int64, torch.device("cpu"), 0, alpha=1.0)
    for value in range(9):  # 9 transitions into 6 slots: 3..8 are kept, oldest (3) at the write position
        obs = np.array([[value]], np.float32)
        old.add(obs, np.array([value]), np.zeros(1), np.zeros((1, 1)), np.zeros(1))
        old.update_priorities(np.array([(old.position - 1) % 6]), np.array([float(value + 1)]))
    state = old.state_dict()
    new = PrioritizedReplayBuffer(
        new_capacity, (1,), np.float32, (), np.int64, torch.device("cpu"), 0, alpha=1.0
    )
    new.load_state_dict(state)
    kept = list(range(9))[-min(6, new_capacity) :]
    if new_capacity == 6:  # the same capacity: slot for slot, as saved
        assert new.position == old.position
        np.testing.assert_array_equal(new.obs[: new.size], old.obs)
        np.testing.assert_array_equal(new.tree.nodes, old.tree.nodes)
        return
    assert new.size == len(kept) and new.position == len(kept) % new_capacity
    assert new.obs[: new.size, 0].tolist() == kept
    np.testing.assert_allclose(new.tree[np.arange(new.size)], [float(v + 1) + 1e-6 for v in kept])
    assert new.tree.total == pytest.approx(sum(v + 1 + 1e-6 for v in kept))
