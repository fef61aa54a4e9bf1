"""The rows of ``metrics.csv``: base columns first, in order, then the caller's; speed since the last row."""

from __future__ import annotations

import numpy as np
import pytest

from rlkit.training import metrics_rows
from rlkit.training.collectors import CollectedStep
from rlkit.training.episode_stats import EpisodeStats
from rlkit.training.metrics_log import BASE_COLUMNS
from rlkit.training.metrics_rows import MetricsRows


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def ended(stats: EpisodeStats, returns: list[float], lengths: list[int]) -> EpisodeStats:
    for ret, length in zip(returns, lengths, strict=True):
        for t in range(length):
            last = t == length - 1
            stats.record(CollectedStep(np.array([ret / length]), np.array([last]), np.array([False])))
    return stats


def test_a_row_before_any_episode_has_only_the_counters(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(100.0)
    monkeypatch.setattr(metrics_rows.time, "perf_counter", clock)
    rows = MetricsRows(clock_start=100.0 - 20.0, env_steps=1_000)  # resumed after 20 s and 1,000 steps
    clock.now = 102.0
    row, speed = rows.build(1_500, EpisodeStats(num_envs=1, window=10), {"train/gradient_steps": 7})
    assert speed == 250.0
    assert row == {
        "env_steps": 1_500,
        "wall_time": 22.0,
        "steps_per_second": 250.0,
        "episodes": 0,
        "train/gradient_steps": 7,
    }


def test_episode_statistics_and_columns_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(0.0)
    monkeypatch.setattr(metrics_rows.time, "perf_counter", clock)
    rows = MetricsRows(clock_start=0.0, env_steps=0)
    stats = ended(EpisodeStats(num_envs=1, window=10), [10.0, 20.0, 60.0], [2, 4, 6])
    clock.now = 3.0
    first, speed = rows.build(300, stats, {"loss/a": 1.0}, {"eval/return_mean": 5.0})
    assert speed == 100.0
    assert list(first) == [*BASE_COLUMNS, "loss/a", "eval/return_mean"]
    assert first["episodes"] == 3
    assert first["return_mean"] == pytest.approx(30.0)
    assert first["return_std"] == pytest.approx(np.std([10.0, 20.0, 60.0]))
    assert (first["return_min"], first["return_max"]) == pytest.approx((10.0, 60.0))
    assert first["length_mean"] == 4.0
    clock.now = 7.0
    second, speed = rows.build(900, stats, {"loss/a": 1.0}, {"loss/a": 2.0})  # a later column wins
    assert speed == 150.0  # 600 steps in the 4 s since the first row
    assert second["wall_time"] == 7.0 and second["loss/a"] == 2.0
    assert rows.wall_time() == 7.0


def test_speed_is_rounded_in_the_row_only(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(0.0)
    monkeypatch.setattr(metrics_rows.time, "perf_counter", clock)
    rows = MetricsRows(clock_start=0.0, env_steps=0)
    clock.now = 3.0
    row, speed = rows.build(1_000, EpisodeStats(num_envs=1, window=1))
    assert speed == pytest.approx(333.3333333) and row["steps_per_second"] == 333.3
