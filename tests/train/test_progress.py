"""The progress of ``rlkit train``: a whole count ending at 100 % on a terminal, plain lines in a pipe."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from rlkit.training.progress import TrainingProgress


@pytest.mark.parametrize("width", [60, 80])
def test_a_terminal_shows_the_whole_total_and_ends_at_100_percent(width: int) -> None:
    screen = io.StringIO()
    console = Console(file=screen, width=width, force_terminal=True, color_system=None)
    progress = TrainingProgress(200_000, interactive=True, console=console)
    progress.REFRESH_SECONDS = 0.0
    with progress:
        for steps in range(0, 199_953, 12_497):
            progress.advance(steps, [10.0])
        progress.advance(200_008, [12.0])  # the last vector step overshoots the budget a little
    frames = [line for line in re.split(r"[\r\n]", screen.getvalue()) if "steps" in line]
    assert any("199,952/200,000 steps" in frame for frame in frames)  # the count is never cut
    assert "200,008/200,008 steps" in frames[-1]  # the final frame is a full bar
    if width >= 80:
        assert "…" not in "".join(frames)  # on a usual terminal nothing is cut


def test_without_a_terminal_one_plain_line_per_log_interval(capsys) -> None:
    with TrainingProgress(1_000, interactive=False) as progress:
        progress.advance(500, [])
        progress.logged(500, 1234.5, [])
        progress.advance(1_000, [3.0, 5.0])
        progress.logged(1_000, 2000.0, [3.0, 5.0])
        progress.note("target return 4 reached at 1000 steps")
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "train 500/1,000 steps (50 %)  1,234 steps/s  return -",
        "train 1,000/1,000 steps (100 %)  2,000 steps/s  return 4.0",
        "target return 4 reached at 1000 steps",
    ]
    assert captured.err == ""  # no bar


def test_in_a_pipe_the_progress_comes_before_the_results(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rlkit",
            "train",
            "cartpole-ppo",
            "train.total_steps=1024",
            "agent.n_steps=32",
            "log.interval=512",
            "eval.episodes=1",
            "log.tensorboard=false",
            "--run-dir",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines[1].startswith("train 512/1,024 steps (50 %)")
    assert lines[2].startswith("train 1,024/1,024 steps (100 %)")
    assert lines[3].startswith("trained 1,024 steps")
    assert done.stderr == ""
