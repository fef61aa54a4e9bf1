"""The loop's episode statistics, with hand-counted numbers: episodes lost with a rollout worker stay out."""

from __future__ import annotations

import numpy as np
import pytest

from rlkit.training.collectors import CollectedStep
from rlkit.training.episode_stats import EpisodeStats
from rlkit.training.loop_state import LoopState


def step(
    rewards: list[float],
    terminated: list[bool],
    truncated: list[bool] | None = None,
    cut: list[bool] | None = None,
    restarted: list[bool] | None = None,
) -> CollectedStep:
    return CollectedStep(
        np.asarray(rewards, dtype=np.float32),
        np.asarray(terminated),
        np.asarray(truncated if truncated is not None else [False] * len(rewards)),
        cut=None if cut is None else np.asarray(cut),
        restarted=None if restarted is None else np.asarray(restarted),
    )


def test_episodes_end_on_termination_and_truncation_and_start_again_from_zero() -> None:
    stats = EpisodeStats(num_envs=2, window=10)
    stats.record(step([1.0, 2.0], [False, False]))
    stats.record(step([1.0, 2.0], [True, False]))  # env 0: return 2 in 2 steps
    stats.record(step([1.0, 2.0], [False, False], truncated=[False, True]))  # env 1: return 6 in 3 steps
    assert list(stats.recent_returns) == [2.0, 6.0]
    assert list(stats.recent_lengths) == [2, 3]
    assert stats.episodes == 2
    assert stats.returns.tolist() == [1.0, 0.0] and stats.lengths.tolist() == [1, 0]


def test_a_restarted_worker_and_a_cut_episode_stay_out_of_the_statistics() -> None:
    stats = EpisodeStats(num_envs=3, window=10)
    stats.record(step([1.0, 1.0, 1.0], [False, False, False]))
    stats.record(step([1.0, 1.0, 1.0], [False, False, False]))
    # env 1's worker died: its episode (return 2 so far) was lost, and this step is the first of a new one
    stats.record(step([5.0, 5.0, 5.0], [False, False, False], restarted=[False, True, False]))
    assert stats.returns.tolist() == [7.0, 5.0, 7.0] and stats.lengths.tolist() == [3, 1, 3]
    # env 0 ends for real (return 8 in 4 steps); env 2 ends only because its worker was lost: not counted
    stats.record(step([1.0, 1.0, 1.0], [True, False, True], cut=[False, False, True]))
    assert list(stats.recent_returns) == [8.0]
    assert list(stats.recent_lengths) == [4]
    assert stats.episodes == 1
    assert stats.returns.tolist() == [0.0, 6.0, 0.0] and stats.lengths.tolist() == [0, 2, 0]


def test_the_window_keeps_the_last_episodes_and_a_resume_continues_it() -> None:
    state = LoopState(episodes=7, recent_returns=[1.0, 2.0], recent_lengths=[10, 20])
    stats = EpisodeStats(num_envs=1, window=3, state=state)
    stats.record(step([3.0], [True]))
    stats.record(step([4.0], [True]))
    assert list(stats.recent_returns) == [2.0, 3.0, 4.0]
    assert list(stats.recent_lengths) == [20, 1, 1]
    assert stats.episodes == 9


def test_saved_episodes_in_flight_are_continued() -> None:
    stats = EpisodeStats(num_envs=2, window=5)
    stats.record(step([1.5, 2.0], [False, False]))
    stats.record(step([1.5, 2.0], [False, True]))
    saved = LoopState()
    stats.save_to(saved)
    assert saved.episode_returns == [3.0, 0.0] and saved.episode_lengths == [2, 0]
    assert saved.episodes == 1 and saved.recent_returns == [4.0] and saved.recent_lengths == [2]

    resumed = EpisodeStats(num_envs=2, window=5, state=saved)
    resumed.continue_in_flight(saved)
    resumed.record(step([1.0, 1.0], [True, False]))
    assert list(resumed.recent_returns) == [4.0, 4.0] and list(resumed.recent_lengths) == [2, 3]


def test_a_state_without_episodes_in_flight_cannot_be_continued() -> None:
    with pytest.raises(ValueError, match="no episodes in flight"):
        EpisodeStats(num_envs=2, window=5).continue_in_flight(LoopState())
