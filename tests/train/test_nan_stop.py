"""A run whose loss or weights become NaN stops with one line naming the step, and keeps its last good
checkpoint: nothing with NaN weights is written, and ``latest`` still names a good checkpoint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from rlkit.training.divergence import first_non_finite_tensor
from tests.cli.conftest import TINY_PPO, run_cli

FAST = [*TINY_PPO, "log.tensorboard=false", "train.device=cpu", "train.torch_threads=1"]
#: Adam moves every weight by about lr per step: 1e30 blows the network up within an update or two.
EXPLODE = ["agent.lr=1e30", "agent.lr_schedule=constant", "agent.max_grad_norm=null"]


def checkpoint_files(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((run_dir / "checkpoints").glob("*"))}


def assert_diverged(status: int, err: str) -> int:
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    match = re.search(r"training diverged at env step ([\d,]+): ", err)
    assert match, err
    return int(match.group(1).replace(",", ""))


def test_divergence_keeps_the_last_good_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    status, _, err = run_cli(
        ["train", "cartpole-ppo", *FAST, "train.checkpoint_interval=256", "--run-dir", str(run_dir)], capsys
    )
    assert status == 0, err
    good = checkpoint_files(run_dir)
    assert good["latest"] == b"final.pt\n"

    status, _, err = run_cli(["train", "--resume", str(run_dir), "train.total_steps=4096", *EXPLODE], capsys)
    step = assert_diverged(status, err)
    assert 512 < step <= 4096
    assert f"the last good checkpoint is {run_dir / 'checkpoints' / 'final.pt'} (latest)" in err
    # the periodic checkpoints written while the weights were still finite are kept; none is NaN
    after = checkpoint_files(run_dir)
    assert {name: after[name] for name in good} == good
    assert not any(name.endswith(".tmp") for name in after)
    for name in after:
        if name != "latest":
            payload = torch.load(run_dir / "checkpoints" / name, weights_only=True)
            assert first_non_finite_tensor(payload["agent"]) is None, name
    rows = (run_dir / "metrics.csv").read_text().lower()
    assert "nan" not in rows and "inf" not in rows


def test_divergence_before_any_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = tmp_path / "run"
    status, _, err = run_cli(
        ["train", "cartpole-ppo", *FAST, *EXPLODE, "train.total_steps=4096", "--run-dir", str(run_dir)],
        capsys,
    )
    assert_diverged(status, err)
    assert "no checkpoint was written before" in err
    assert not (run_dir / "checkpoints").exists()


def test_nan_loss_is_caught_at_the_update(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loss that turns NaN at the 3rd update (weights still finite): the message names that loss."""
    from rlkit.agents.ppo.agent import PPO

    real_update, calls = PPO.update, {"n": 0}

    def update(self, progress: float) -> dict[str, float]:
        metrics = real_update(self, progress)
        calls["n"] += 1
        if calls["n"] >= 3:
            metrics["loss/value"] = float("nan")
        return metrics

    monkeypatch.setattr(PPO, "update", update)
    run_dir = tmp_path / "run"
    status, _, err = run_cli(
        [
            "train",
            "cartpole-ppo",
            *FAST,
            "train.total_steps=1024",
            "train.checkpoint_interval=256",
            "--run-dir",
            str(run_dir),
        ],
        capsys,
    )
    step = assert_diverged(status, err)
    assert step == 3 * 256 and "loss/value is nan" in err
    assert (run_dir / "checkpoints" / "latest").read_text() == "step_512.pt\n"
    assert sorted(checkpoint_files(run_dir)) == ["latest", "step_256.pt", "step_512.pt"]
