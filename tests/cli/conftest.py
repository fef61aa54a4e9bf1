"""Helpers for driving the CLI in-process and as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rlkit.cli.main import main

#: Overrides that make a CartPole PPO run take well under a second.
TINY_PPO = [
    "train.total_steps=512",
    "agent.n_steps=32",
    "eval.episodes=2",
    "eval.interval=0",
    "log.interval=128",
    "log.progress=false",
]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``rlkit ARGS`` in this process; returns (status, stdout, stderr)."""
    try:
        status = main(args)
    except SystemExit as exc:  # argparse exits on usage errors
        status = int(exc.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_subprocess(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run ``python -m rlkit ARGS`` as a separate process (the real exit status and streams)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "rlkit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )
