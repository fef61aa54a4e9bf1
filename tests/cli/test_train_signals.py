"""Ctrl-C (SIGINT) and SIGTERM stop ``rlkit train`` within seconds in every phase of a run.

A stop leaves a whole checkpoint to resume from wherever one is due, says how to go on, and exits 130
(SIGINT) or 143 (SIGTERM). Every run here starts with SIGINT ignored, as a script's background job passes
it on: rlkit installs its own handlers. The env of :mod:`tests.cli.signalling_env` sends the signal in the
phase under test and then blocks for a minute, so a run that waits for the phase to end fails.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from rlkit.agents.ppo.agent import PPO
from rlkit.cli import main as cli_main
from rlkit.runs import checkpoint as checkpoint_module
from rlkit.runs.checkpoint import LATEST, load_checkpoint
from tests.cli.conftest import group_members, rlkit_process, run_cli, wait_until
from tests.cli.signalling_env import SignallingEnv

ENV_ID = "tests.cli.signalling_env:SignallingEnv"
STOPS = [pytest.param("SIGINT", 130, id="SIGINT"), pytest.param("SIGTERM", 143, id="SIGTERM")]
#: Far less than the minute a signalling phase blocks, and more than a tiny run takes on a busy machine.
PROMPTLY = 15.0


def train_args(run_dir: Path, phase: str, stop: str, *overrides: str) -> list[str]:
    """``rlkit train`` of PPO on the signalling env: 16 steps per update, 64 in all."""
    return [
        "train",
        "cartpole-ppo",
        f"env.id={ENV_ID}",
        f"env.kwargs={{phase: {phase}, signal_name: {stop}}}",
        "rollout.num_envs=1",
        "agent.n_steps=16",
        "agent.batch_size=16",
        "agent.n_epochs=2",
        "train.total_steps=64",
        "train.target_return=null",
        "eval.episodes=1",
        "eval.interval=0",
        "log.interval=16",
        "log.progress=false",
        "log.tensorboard=false",
        *overrides,
        "--run-dir",
        str(run_dir),
    ]


@pytest.fixture(autouse=True)
def sigint_ignored() -> Iterator[None]:
    """SIGINT ignored, as a script's background job passes it on; the env may signal again."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    SignallingEnv.fired = False
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def train_until_stopped(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    start = time.monotonic()
    status, out, err = run_cli(args, capsys)
    assert time.monotonic() - start < PROMPTLY, "the run waited for the blocked phase to end"
    assert "Traceback" not in err
    return status, out, err


def assert_resumable(run_dir: Path, steps: int, capsys: pytest.CaptureFixture[str]) -> None:
    """The run stopped at ``steps`` with a whole checkpoint, and ``--resume`` trains on to the end."""
    assert (run_dir / "checkpoints" / LATEST).read_text().strip() == "interrupted.pt"
    assert load_checkpoint(run_dir / "checkpoints" / "interrupted.pt")["env_steps"] == steps
    status, out, err = run_cli(["train", "--resume", str(run_dir)], capsys)  # the env signals once only
    assert status == 0, err
    assert f"resuming {run_dir} at {steps:,} steps" in out
    assert json.loads((run_dir / "eval.json").read_text())["env_steps"] == 64


@pytest.mark.parametrize(("stop", "status"), STOPS)
def test_a_stop_while_starting_up_exits_at_once(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stop: str,
    status: int,
) -> None:
    real_build_parser = cli_main.build_parser

    def build_parser_signalled():  # the verbs' imports take seconds on a busy machine
        os.kill(os.getpid(), signal.Signals[stop])
        return real_build_parser()

    monkeypatch.setattr(cli_main, "build_parser", build_parser_signalled)
    code, _, err = train_until_stopped(train_args(tmp_path / "run", "step", stop), capsys)
    assert code == status
    assert err == "rlkit: interrupted\n"
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("stop", "status"), STOPS)
def test_a_stop_while_creating_the_envs_leaves_no_run_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stop: str, status: int
) -> None:
    code, _, err = train_until_stopped(train_args(tmp_path / "run", "create", stop), capsys)
    assert code == status
    assert err == "rlkit train: interrupted\n"
    assert not (tmp_path / "run").exists()  # nothing was written yet: nothing to resume


@pytest.mark.parametrize("phase", ["reset", "step"])
@pytest.mark.parametrize(("stop", "status"), STOPS)
def test_a_stop_in_the_first_rollout_saves_a_checkpoint_to_resume_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], phase: str, stop: str, status: int
) -> None:
    run_dir = tmp_path / "run"
    code, out, _ = train_until_stopped(train_args(run_dir, phase, stop), capsys)
    assert code == status
    assert f"interrupted at 0 steps; checkpoint {run_dir / 'checkpoints' / 'interrupted.pt'}" in out
    assert f"continue with: rlkit train --resume {run_dir}" in out
    assert_resumable(run_dir, 0, capsys)


@pytest.mark.parametrize(("stop", "status"), STOPS)
def test_a_stop_during_an_update_saves_a_checkpoint_to_resume_from(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stop: str,
    status: int,
) -> None:
    real_update = PPO.update

    def update_signalled(self, *args, **kwargs):
        os.kill(os.getpid(), signal.Signals[stop])
        time.sleep(60)  # a long update
        return real_update(self, *args, **kwargs)

    monkeypatch.setattr(PPO, "update", update_signalled)
    run_dir = tmp_path / "run"
    code, out, _ = train_until_stopped(train_args(run_dir, "none", stop), capsys)
    assert code == status
    assert "interrupted at 16 steps" in out
    monkeypatch.setattr(PPO, "update", real_update)
    assert_resumable(run_dir, 16, capsys)


@pytest.mark.parametrize(("stop", "status"), STOPS)
def test_a_stop_during_a_periodic_evaluation_saves_a_checkpoint_to_resume_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stop: str, status: int
) -> None:
    run_dir = tmp_path / "run"
    code, out, _ = train_until_stopped(train_args(run_dir, "eval", stop, "eval.interval=32"), capsys)
    assert code == status
    assert "interrupted at 32 steps" in out
    assert_resumable(run_dir, 32, capsys)


@pytest.mark.parametrize(("stop", "status"), STOPS)
def test_a_stop_during_the_final_evaluation_keeps_the_trained_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stop: str, status: int
) -> None:
    run_dir = tmp_path / "run"
    code, out, _ = train_until_stopped(train_args(run_dir, "eval", stop), capsys)
    assert code == status
    assert "trained 64 steps" in out
    assert "the final evaluation was interrupted" in out
    assert f"evaluate with: rlkit eval {run_dir}" in out
    assert (run_dir / "checkpoints" / LATEST).read_text().strip() == "final.pt"
    assert load_checkpoint(run_dir / "checkpoints" / "final.pt")["env_steps"] == 64
    assert not (run_dir / "eval.json").exists()


@pytest.mark.parametrize(("stop", "status"), STOPS)
def test_a_stop_during_a_checkpoint_write_waits_until_it_is_whole(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stop: str,
    status: int,
) -> None:
    real_save = torch.save
    saves = []

    def save_signalled(obj, handle) -> None:
        saves.append(obj["env_steps"])
        if len(saves) == 1:
            os.kill(os.getpid(), signal.Signals[stop])  # arrives in the middle of the first write
        real_save(obj, handle)

    monkeypatch.setattr(checkpoint_module.torch, "save", save_signalled)
    run_dir = tmp_path / "run"
    code, out, _ = train_until_stopped(
        train_args(run_dir, "none", stop, "train.checkpoint_interval=32"), capsys
    )
    assert code == status
    assert "interrupted at 32 steps" in out
    assert saves == [32, 32]  # step_32.pt, then interrupted.pt
    assert load_checkpoint(run_dir / "checkpoints" / "step_32.pt")["env_steps"] == 32
    assert_resumable(run_dir, 32, capsys)


def test_ctrl_c_stops_a_run_whose_env_worker_is_stuck_in_a_step(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the whole process group: the workers ignore it, the trainer saves,
    closes them (killing one that does not answer within its grace period) and exits; nothing is left."""
    run_dir = tmp_path / "run"
    args = train_args(run_dir, "step", "SIGINT", "rollout.backend=subprocess", "rollout.num_workers=1")
    args[3] = "env.kwargs={phase: step, signal_name: SIGINT, group: true}"
    with rlkit_process(args, tmp_path, sigint=signal.SIG_IGN) as process:
        wait_until(lambda: process.poll() is not None, 120, "the run to stop")
        out, err = process.communicate()
        assert process.returncode == 130, err
        assert "Traceback" not in err
        assert f"continue with: rlkit train --resume {run_dir}" in out
        assert load_checkpoint(run_dir / "checkpoints" / "interrupted.pt")["env_steps"] == 0
        wait_until(lambda: not group_members(process.pid), 10, "the env worker and fork server to exit")


def test_a_real_process_stops_on_sigint_from_its_first_moments(tmp_path: Path) -> None:
    args = train_args(tmp_path / "run", "none", "SIGINT")
    with rlkit_process(args, tmp_path, sigint=signal.SIG_IGN) as process:
        status = Path(f"/proc/{process.pid}/status")
        # rlkit's handler is in place (SigCgt names the caught signals, SIGINT is bit 1): send the signal
        # while the CLI still imports its verbs.
        wait_until(lambda: _catches(status, signal.SIGINT), 30, "rlkit's SIGINT handler")
        process.send_signal(signal.SIGINT)
        sent = time.monotonic()
        _, err = process.communicate(timeout=PROMPTLY)
        assert time.monotonic() - sent < PROMPTLY
        assert process.returncode == 130, err
        assert "interrupted" in err and "Traceback" not in err
        assert not (tmp_path / "run" / "checkpoints").exists()


def _catches(status: Path, signum: int) -> bool:
    """Whether the process of /proc/PID/``status`` has a handler for ``signum`` (its SigCgt mask)."""
    for line in status.read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    return False
