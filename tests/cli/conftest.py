"""Helpers for driving the CLI in-process and as a real subprocess."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
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


#: The repository root: real rlkit processes import the tests' env modules from it.
REPO_ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def rlkit_process(
    args: list[str], cwd: Path, sigint: Callable[..., object] | int = signal.SIG_DFL
) -> Iterator[subprocess.Popen[str]]:
    """Start ``python -m rlkit ARGS`` in a process group of its own; on leaving, kill what is left of it.

    Args:
        args: The command line after ``rlkit``.
        cwd: Working directory.
        sigint: SIGINT's disposition in the child, whatever this process has: ``SIG_DFL`` (a terminal's), or
            ``SIG_IGN`` (what a script's background job passes on).
    """

    def set_sigint() -> None:  # in the child, before it runs Python
        signal.signal(signal.SIGINT, sigint)

    process = subprocess.Popen(
        [sys.executable, "-m", "rlkit", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its env workers join its group, which the test can signal and kill whole
        preexec_fn=set_sigint,
    )
    try:
        yield process
    finally:  # no process outlives its test, whatever happens in it
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``, read from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # exited meanwhile
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` every 50 ms until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
