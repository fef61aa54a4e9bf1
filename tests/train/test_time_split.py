"""The time split of ``metrics.csv``: each row's seconds in rollouts and in updates since the previous row,
which add up to the loop's wall time less evaluation, checkpoints and logging."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rlkit.training import metrics_rows
from rlkit.training.metrics_rows import MetricsRows
from tests.cli.conftest import TINY_PPO, run_cli

SPLIT = ["time/rollout_seconds", "time/update_seconds"]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_each_phase_counts_its_blocks_until_the_next_split(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(metrics_rows.time, "perf_counter", clock)
    rows = MetricsRows(clock_start=0.0, env_steps=0)
    for _ in range(3):
        with rows.timed("rollout"):
            clock.now += 0.5
        clock.now += 10.0  # outside any block: not counted
    with rows.timed("update"):
        clock.now += 2.0
    assert rows.time_split() == {"time/rollout_seconds": 1.5, "time/update_seconds": 2.0}
    with rows.timed("update"):
        clock.now += 0.25
    assert rows.time_split() == {"time/rollout_seconds": 0.0, "time/update_seconds": 0.25}


def test_a_block_that_raises_is_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(metrics_rows.time, "perf_counter", clock)
    rows = MetricsRows(clock_start=0.0, env_steps=0)
    with pytest.raises(KeyboardInterrupt), rows.timed("rollout"):
        clock.now += 1.0
        raise KeyboardInterrupt
    assert rows.time_split()["time/rollout_seconds"] == 1.0


def test_a_tiny_run_logs_its_split_and_it_sums_to_the_loop_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    args = [*TINY_PPO, "train.total_steps=2048", "log.tensorboard=false", "train.device=cpu"]
    status, _, err = run_cli(["train", "cartpole-ppo", *args, "--run-dir", str(run_dir)], capsys)
    assert status == 0, err
    with (run_dir / "metrics.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 2048 // 128
    for row in rows:
        assert float(row["time/rollout_seconds"]) > 0, row
    # cartpole-ppo updates every 32 steps of 8 envs (256 env steps): every other row of 128 has an update
    updates = [float(row["time/update_seconds"]) for row in rows]
    assert [seconds > 0 for seconds in updates] == [i % 2 == 1 for i in range(len(rows))]
    split = sum(float(row[column]) for row in rows for column in SPLIT)
    wall = float(rows[-1]["wall_time"])
    # no evaluation and no checkpoint inside the loop: only the first reset and the logging are left out
    assert 0.8 * wall <= split <= wall
