"""``rlkit train --resume`` continues a run bit-exactly on CPU (``sync`` and ``batched`` backends): a run of
N/2 steps resumed to N equals a straight run of N steps, in every ``metrics.csv`` column but the clock's and
in every tensor of the final checkpoint's agent (weights, optimizer, random streams, replay).

The settings keep anything that depends on ``train.total_steps`` (lr and clip schedules, exploration
schedules, replay capacity) the same in both runs, and put the checkpoint at an update boundary of
the on-policy agent (its partial rollout is not checkpointed)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import torch

from rlkit.training.metrics_rows import is_clock_column
from tests.cli.conftest import run_cli

N = 2048
COMMON = [
    "train.device=cpu",
    "train.torch_threads=1",
    "train.target_return=null",
    "log.tensorboard=false",
    "log.progress=false",
    "eval.interval=0",
    "eval.episodes=1",
]
RUNS = {
    "cartpole-ppo": [
        "agent.lr_schedule=constant",
        "agent.clip_range_schedule=constant",
        "agent.n_steps=32",
        "agent.n_epochs=2",
        "log.interval=256",
        "train.checkpoint_interval=768",  # mid-run checkpoints too, some mid-episode
    ],
    "pendulum-sac": [
        "agent.learning_starts=300",
        "agent.buffer_size=1000",
        "agent.batch_size=32",
        "agent.network.hidden_sizes=[32, 32]",
        "agent.train_freq=4",
        "log.interval=256",
    ],
    # MuJoCo and the whole sim2real stack: randomized physics (in the MjModel), pushes, actuator and sensor
    # models with their random streams, observation and action latency, mid-episode at the checkpoint
    "walker-ppo-sim2real": [
        "agent.lr_schedule=constant",
        "agent.n_steps=32",
        "agent.n_epochs=1",
        "rollout.num_envs=4",
        "log.interval=256",
    ],
    # memory carried across the checkpoint: the LSTM state and episode starts of every env
    "cartpole-recurrent-ppo": [
        "agent.lr_schedule=constant",
        "agent.clip_range_schedule=constant",
        "agent.n_steps=32",
        "agent.sequence_length=16",
        "agent.n_epochs=1",
        "rollout.num_envs=4",
        "log.interval=256",
    ],
    "cartpole-r2d2": [
        "agent.learning_starts=300",
        "agent.exploration_fraction=0",
        "agent.buffer_size=200",
        "agent.priority_beta_start=1.0",  # beta anneals to 1 over train.total_steps: keep it there
        "agent.train_freq=16",
        "log.interval=256",
    ],
    # the batched backend's sims, per-sim randomized model fields and array effects, mid-episode
    "walker-ppo-sim2real batched": [
        "agent.lr_schedule=constant",
        "agent.n_steps=32",
        "agent.n_epochs=1",
        "rollout.num_envs=4",
        "rollout.backend=batched",
        "rollout.threads=2",
        "log.interval=256",
    ],
    "halfcheetah-ppo batched": [
        "agent.lr_schedule=constant",
        "agent.n_steps=64",
        "agent.n_epochs=1",
        "rollout.num_envs=2",
        "rollout.backend=batched",
        "log.interval=256",
    ],
    "cartpole-dqn": [
        "agent.learning_starts=300",
        "agent.exploration_fraction=0",
        "agent.buffer_size=1000",
        "agent.train_freq=64",
        "agent.gradient_steps=8",
        "agent.network.hidden_sizes=[32]",
        "log.interval=256",
    ],
}


def metrics(run_dir: Path) -> list[dict[str, str]]:
    """The rows of ``metrics.csv`` without the clock's columns."""
    with (run_dir / "metrics.csv").open() as handle:
        return [{k: v for k, v in row.items() if not is_clock_column(k)} for row in csv.DictReader(handle)]


def flatten(state: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(state, dict):
        out: dict[str, Any] = {}
        for key, value in state.items():
            out.update(flatten(value, f"{prefix}.{key}"))
        return out
    if isinstance(state, (list, tuple)):
        out = {}
        for i, value in enumerate(state):
            out.update(flatten(value, f"{prefix}[{i}]"))
        return out
    return {prefix: state}


def assert_same_agent(a: Path, b: Path) -> None:
    first = flatten(torch.load(a / "checkpoints" / "final.pt", weights_only=True)["agent"])
    second = flatten(torch.load(b / "checkpoints" / "final.pt", weights_only=True)["agent"])
    assert first.keys() == second.keys()
    for key, value in first.items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(value, second[key]), key
        else:
            assert value == second[key], key


@pytest.mark.parametrize("run", sorted(RUNS))
def test_resume_is_bit_exact(run: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    preset = run.split()[0]
    overrides = [*COMMON, *RUNS[run]]
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    status, _, err = run_cli(
        ["train", preset, *overrides, f"train.total_steps={N}", "--run-dir", str(straight)], capsys
    )
    assert status == 0, err
    status, _, err = run_cli(
        ["train", preset, *overrides, f"train.total_steps={N // 2}", "--run-dir", str(resumed)], capsys
    )
    assert status == 0, err
    status, out, err = run_cli(["train", "--resume", str(resumed), f"train.total_steps={N}"], capsys)
    assert status == 0, err
    assert f"resuming {resumed} at {N // 2:,} steps" in out
    assert metrics(resumed) == metrics(straight)
    assert_same_agent(resumed, straight)


def test_resume_from_a_periodic_checkpoint_mid_episode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Resuming from ``step_768.pt`` of a finished run (envs mid-episode) reproduces the rest of it."""
    overrides = [*COMMON, *RUNS["cartpole-ppo"], f"train.total_steps={N}"]
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    for run_dir in (straight, resumed):
        status, _, err = run_cli(["train", "cartpole-ppo", *overrides, "--run-dir", str(run_dir)], capsys)
        assert status == 0, err
    checkpoints = resumed / "checkpoints"
    payload = torch.load(checkpoints / "step_1536.pt", weights_only=True)
    assert any(length > 0 for length in payload["trainer"]["episode_lengths"])  # episodes in flight
    (checkpoints / "final.pt").unlink()
    (checkpoints / "latest").write_text("step_1536.pt\n")
    rows = metrics(resumed)
    with (resumed / "metrics.csv").open("w", newline="") as handle:  # as it was at step 1536
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in rows if int(row["env_steps"]) <= 1536)
    status, _, err = run_cli(["train", "--resume", str(resumed)], capsys)
    assert status == 0, err
    assert metrics(resumed) == metrics(straight)
    assert_same_agent(resumed, straight)
