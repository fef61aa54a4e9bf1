"""End to end through the CLI: train → eval --video, the run directory, Ctrl-C and --resume."""

from __future__ import annotations

import csv
import json
import signal
import time
from pathlib import Path

import imageio_ffmpeg
import pytest
import torch
import yaml

from tests.cli.conftest import TINY_PPO, rlkit_process, run_cli, run_subprocess, wait_until

EVAL_KEYS = {
    "mean_return",
    "std_return",
    "min_return",
    "max_return",
    "mean_length",
    "episodes",
    "env_steps",
    "checkpoint",
}


def test_train_then_eval_with_video_as_a_new_user_would(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    trained = run_subprocess(["train", "cartpole-ppo", *TINY_PPO, "--run-dir", str(run_dir)], cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert "eval over 2 episodes" in trained.stdout
    assert {p.name for p in run_dir.iterdir()} >= {
        "config.yaml",
        "metrics.csv",
        "checkpoints",
        "eval.json",
        "tensorboard",
    }
    assert any((run_dir / "tensorboard").iterdir())
    evaluation = json.loads((run_dir / "eval.json").read_text())
    assert evaluation.keys() >= EVAL_KEYS and evaluation["env_steps"] == 512
    assert (run_dir / "checkpoints" / "latest").read_text().strip() == "final.pt"
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config["train"]["total_steps"] == 512 and config["agent"]["n_steps"] == 32
    checkpoint = torch.load(run_dir / "checkpoints" / "final.pt", weights_only=True)
    assert checkpoint["config"] == config  # the resolved config travels inside every checkpoint

    evaluated = run_subprocess(
        ["eval", str(run_dir), "--episodes", "3", "--seed", "5", "--video"], cwd=tmp_path
    )
    assert evaluated.returncode == 0, evaluated.stderr
    summary = json.loads((run_dir / "eval.json").read_text())
    assert summary["episodes"] == 3 and summary["seed"] == 5
    video = run_dir / "videos" / "final.mp4"
    frames = imageio_ffmpeg.read_frames(str(video))
    meta = next(frames)
    assert meta["codec"] == "h264"
    assert sum(1 for _ in frames) > sum(summary["video_returns"])  # one frame per step plus the first


def test_metrics_csv_rows_and_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_cli(
        ["train", "cartpole-ppo", *TINY_PPO, "log.tensorboard=false", "--run-dir", str(tmp_path / "r")],
        capsys,
    )
    assert status == 0, err
    with (tmp_path / "r" / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["env_steps"]) for row in rows] == [128, 256, 384, 512]
    assert {
        "steps_per_second",
        "return_mean",
        "length_mean",
        "loss/policy",
        "loss/value",
        "optim/lr",
    } <= rows[0].keys()
    assert rows[-1]["loss/value"] != ""


@pytest.mark.parametrize(
    ("stop", "status", "sigint"),
    [
        pytest.param(signal.SIGINT, 130, signal.SIG_DFL, id="ctrl-c"),
        pytest.param(signal.SIGTERM, 143, signal.SIG_IGN, id="sigterm-to-a-background-job"),
    ],
)
def test_ctrl_c_or_sigterm_saves_a_checkpoint_and_resume_continues(
    tmp_path: Path, stop: signal.Signals, status: int, sigint: signal.Handlers
) -> None:
    # The child gets SIGINT's default disposition whatever this process has (under a script's background
    # job it has SIGINT ignored), or an ignored one as such a job passes on, which rlkit overrides.
    run_dir = tmp_path / "run"
    args = [
        "train",
        "cartpole-ppo",
        "train.total_steps=100000000",
        "train.target_return=null",
        "log.interval=256",
        "log.progress=false",
        "log.tensorboard=false",
        "eval.interval=0",
        "--run-dir",
        str(run_dir),
    ]
    with rlkit_process(args, tmp_path, sigint=sigint) as process:  # killed on leaving, whatever happens
        wait_until(lambda: (run_dir / "metrics.csv").exists() or process.poll() is not None, 120, "training")
        assert process.poll() is None, process.communicate()[1]
        time.sleep(0.5)
        process.send_signal(stop)
        out, err = process.communicate(timeout=30)
    assert process.returncode == status, err
    assert "Traceback" not in err
    assert f"rlkit train --resume {run_dir}" in out
    assert (run_dir / "checkpoints" / "latest").read_text().strip() == "interrupted.pt"
    steps = torch.load(run_dir / "checkpoints" / "interrupted.pt", weights_only=True)["env_steps"]
    assert steps > 0

    target = steps + 1024
    resumed = run_subprocess(
        ["train", "--resume", str(run_dir), f"train.total_steps={target}", "eval.episodes=2"], cwd=tmp_path
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming {run_dir} at {steps:,} steps" in resumed.stdout
    assert json.loads((run_dir / "eval.json").read_text())["env_steps"] == target
    with (run_dir / "metrics.csv").open() as handle:
        logged = [int(row["env_steps"]) for row in csv.DictReader(handle)]
    assert logged == sorted(logged) and logged[-1] == target  # the log continues where it stopped


def test_dqn_trains_and_evaluates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(
        [
            "train",
            "cartpole-dqn",
            "train.total_steps=600",
            "agent.learning_starts=200",
            "agent.train_freq=50",
            "agent.gradient_steps=5",
            "eval.episodes=2",
            "eval.interval=0",
            "log.progress=false",
            "log.tensorboard=false",
            "--run-dir",
            str(tmp_path / "dqn"),
        ],
        capsys,
    )
    assert status == 0, err
    status, out, err = run_cli(["eval", str(tmp_path / "dqn" / "checkpoints" / "final.pt")], capsys)
    assert status == 0, err
    assert "eval over 2 episodes" in out


def test_run_files_get_normal_permissions_not_the_temp_files_0600(tmp_path: Path) -> None:
    import numpy as np

    from rlkit.files import FILE_MODE, atomic_write_text
    from rlkit.runs.checkpoint import save_checkpoint
    from rlkit.vision import VideoWriter

    atomic_write_text(tmp_path / "eval.json", "{}")
    save_checkpoint(tmp_path / "checkpoints", "final.pt", {"agent": {}})
    with VideoWriter(tmp_path / "final.mp4", fps=10) as writer:
        writer.append(np.zeros((16, 16, 3), dtype=np.uint8))
    for path in (tmp_path / "eval.json", tmp_path / "checkpoints" / "final.pt", tmp_path / "final.mp4"):
        assert path.stat().st_mode & 0o777 == FILE_MODE


def test_a_replay_agent_resumes_with_a_longer_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The replay buffer is sized by the budget, so the resumed run's buffer is larger than the saved one.
    run_dir = str(tmp_path / "r")
    quick = ["agent.learning_starts=200", "eval.interval=0", "eval.episodes=1", "log.progress=false"]
    status, _, err = run_cli(
        ["train", "cartpole-rainbow", "train.total_steps=400", *quick, "--run-dir", run_dir], capsys
    )
    assert status == 0, err
    status, out, err = run_cli(["train", "--resume", run_dir, "train.total_steps=800"], capsys)
    assert status == 0, err
    assert "resuming" in out and json.loads((tmp_path / "r" / "eval.json").read_text())["env_steps"] == 800
