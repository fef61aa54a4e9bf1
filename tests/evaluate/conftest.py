"""Tiny trained runs shared by the evaluation tests: CartPole balance (MuJoCo), 50-step episodes."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlkit.cli.main import main

#: A PPO run on a MuJoCo task that trains in a second or two.
TINY_RUN = [
    "cartpole-swingup-ppo",
    "env.id=rlkit/CartPoleBalance-v0",
    "env.max_episode_steps=50",
    "train.total_steps=512",
    "agent.n_steps=32",
    "agent.batch_size=64",
    "rollout.num_envs=4",
    "eval.episodes=2",
    "eval.interval=0",
    "log.interval=128",
    "log.progress=false",
    "log.tensorboard=false",
    "train.torch_threads=1",
]


def train_tiny(run_dir: Path, *overrides: str) -> Path:
    """Train a tiny run into ``run_dir`` in this process; returns the run directory."""
    status = main(["train", *TINY_RUN, *overrides, "--run-dir", str(run_dir)])
    assert status == 0
    return run_dir


@pytest.fixture(scope="package")
def tiny_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two runs: one on the nominal model, one trained with randomized body masses."""
    root = tmp_path_factory.mktemp("runs")
    plain = train_tiny(root / "plain")
    randomized = train_tiny(
        root / "randomized", "env.randomization.parameters=[{parameter: body_mass, low: 0.5, high: 1.5}]"
    )
    return plain, randomized
