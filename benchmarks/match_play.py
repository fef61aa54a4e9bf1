"""What the self-play benchmarks share: the ``rlkit`` CLI in a fresh process, matches of a run's policy
against an opponent, and the checkpoint a quarter of the way through a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def rlkit(*args: str) -> float:
    """Run the ``rlkit`` CLI in a fresh process; its wall-clock seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rlkit.cli.main", *args], check=True, env=os.environ.copy())
    return time.perf_counter() - start


def matches(run: Path, opponent: str, name: str, games: int) -> dict[str, Any]:
    """``rlkit eval RUN --opponent OPPONENT`` over ``games`` games: its ``matches`` summary."""
    path = run / f"matches-{name}.json"
    rlkit("eval", str(run), "--opponent", opponent, "--episodes", str(games), "--output", str(path))
    return json.loads(path.read_text())["matches"]


def quarter_checkpoint(run: Path) -> Path:
    """The periodic checkpoint nearest a quarter of the run's steps."""
    steps = json.loads((run / "eval.json").read_text())["env_steps"]
    checkpoints = list((run / "checkpoints").glob("step_*.pt"))
    return min(checkpoints, key=lambda path: abs(int(path.stem.split("_")[1]) - steps / 4))


def match_rows(rows: list[tuple[str, dict[str, Any]]], illegal_moves: bool = True) -> list[str]:
    """A Markdown table of match results, one row per opponent; ``illegal_moves`` for games with legal
    moves (a continuous action is never illegal)."""
    head = "| opponent | wins | draws | losses | win rate |"
    rule = "|---|---:|---:|---:|---:|"
    if illegal_moves:
        head, rule = head + " illegal moves (of moves made) |", rule + "---:|"
    lines = [head, rule]
    for name, m in rows:
        line = f"| {name} | {m['wins']} | {m['draws']} | {m['losses']} | {m['win_rate']:.1%} |"
        if illegal_moves:
            line += f" {m['illegal_moves']} of {m['moves']} |"
        lines.append(line)
    return lines
