"""N-step transitions on hand-computed numbers, with episode ends inside the window."""

import numpy as np
import pytest

from rlkit.buffers.n_step import NStepAccumulator

GAMMA = 0.5


def make(num_envs: int = 1, n: int = 3) -> NStepAccumulator:
    return NStepAccumulator(num_envs, n, GAMMA, (1,), np.float32, (), np.int64)


def step(acc: NStepAccumulator, t: float, reward: float, terminated: bool = False, truncated: bool = False):
    obs = np.array([[t]], dtype=np.float32)
    return acc.push(obs, np.array([int(t)]), np.array([reward]), obs + 1, np.array([terminated]), [truncated])


def test_full_window_emits_the_oldest_step_with_n_rewards() -> None:
    acc = make()
    assert len(step(acc, 0, 1.0)) == 0 and len(step(acc, 1, 2.0)) == 0
    out = step(acc, 2, 4.0)
    # s_0 → s_3: 1 + 0.5·2 + 0.25·4 = 3, bootstrapped with γ³ from s_3.
    assert out.obs.tolist() == [[0.0]] and out.actions.tolist() == [0]
    assert out.returns.tolist() == pytest.approx([3.0])
    assert out.next_obs.tolist() == [[3.0]] and out.steps.tolist() == [3]
    assert out.terminated.tolist() == [False]
    out = step(acc, 3, 8.0)  # s_1 → s_4: 2 + 0.5·4 + 0.25·8 = 6
    assert out.obs.tolist() == [[1.0]] and out.returns.tolist() == pytest.approx([6.0])
    assert acc.pending() == 2


def test_termination_inside_the_window_cuts_the_sum_and_the_bootstrap() -> None:
    acc = make()
    step(acc, 0, 1.0)
    out = step(acc, 1, 2.0, terminated=True)
    # Both pending steps leave with the rewards up to the end: 1 + 0.5·2 = 2 (k = 2) and 2 (k = 1).
    assert out.obs.ravel().tolist() == [0.0, 1.0]
    assert out.returns.tolist() == pytest.approx([2.0, 2.0])
    assert out.steps.tolist() == [2, 1]
    assert out.terminated.tolist() == [True, True]
    assert out.next_obs.ravel().tolist() == [2.0, 2.0]  # the final observation
    assert acc.pending() == 0
    out = step(acc, 10, 5.0)  # a new episode starts with an empty window: nothing from the old one
    assert len(out) == 0 and acc.pending() == 1


def test_truncation_bootstraps_from_the_final_observation_with_the_steps_summed() -> None:
    acc = make()
    step(acc, 0, 1.0)
    step(acc, 1, 1.0)
    out = step(acc, 2, 1.0, truncated=True)
    # Window full and ended at once: the episode end wins, all three leave (k = 3, 2, 1), none terminal.
    assert out.returns.tolist() == pytest.approx([1.75, 1.5, 1.0])
    assert out.steps.tolist() == [3, 2, 1]
    assert out.terminated.tolist() == [False, False, False]
    assert out.next_obs.ravel().tolist() == [3.0, 3.0, 3.0]


def test_envs_keep_separate_windows() -> None:
    acc = make(num_envs=2, n=2)
    obs = np.array([[0.0], [10.0]], dtype=np.float32)
    actions, no = np.array([0, 1]), np.array([False, False])
    acc.push(obs, actions, np.array([1.0, 3.0]), obs + 1, no, no)
    out = acc.push(obs + 1, actions, np.array([2.0, 5.0]), obs + 2, np.array([False, True]), no)
    # env 0's window is full: 1 + 0.5·2 = 2 from s=0 to s=2. env 1 terminated: 3 + 0.5·5 = 5.5 and 5.
    assert out.obs.ravel().tolist() == [0.0, 10.0, 11.0]
    assert out.returns.tolist() == pytest.approx([2.0, 5.5, 5.0])
    assert out.steps.tolist() == [2, 2, 1]
    assert out.terminated.tolist() == [False, True, True]
    assert out.next_obs.ravel().tolist() == [2.0, 12.0, 12.0]


def test_flush_closes_pending_windows_as_truncated_and_state_round_trips() -> None:
    acc = make()
    step(acc, 0, 1.0)
    step(acc, 1, 2.0)
    clone = make()
    clone.load_state_dict(acc.state_dict())
    for a in (acc, clone):
        out = a.flush()
        assert out.returns.tolist() == pytest.approx([2.0, 2.0])
        assert out.steps.tolist() == [2, 1] and out.terminated.tolist() == [False, False]
        assert out.next_obs.ravel().tolist() == [2.0, 2.0]
        assert a.pending() == 0
