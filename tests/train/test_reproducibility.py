"""Same seed, same config, CPU: identical losses in metrics.csv; a different seed differs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rlkit.config.loading import load_config
from rlkit.training.trainer import Trainer

RUNS = {
    "cartpole-ppo": ["train.total_steps=2048", "log.interval=256"],
    "cartpole-dqn": [
        "train.total_steps=2000",
        "agent.learning_starts=500",
        "agent.train_freq=100",
        "agent.gradient_steps=10",
        "log.interval=250",
    ],
    # The whole sim2real stack: randomized physics, pushes, actuator and sensor models, latency, curriculum.
    "walker-ppo-sim2real": [
        "train.total_steps=4096",
        "agent.n_steps=128",
        "log.interval=1024",
        "env.randomization.curriculum={start: 0.5, end: 1.0, end_fraction: 0.5}",
        "env.randomization.pushes.interval=[5, 20]",
    ],
}


def loss_columns(run_dir: Path) -> list[dict[str, str]]:
    with (run_dir / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    keep = [key for key in rows[0] if key.startswith(("loss/", "value/", "policy/", "return_"))]
    assert any(key.startswith("loss/") for key in keep)
    return [{key: row[key] for key in keep} for row in rows]


def train(tmp_path: Path, name: str, preset: str, seed: int) -> list[dict[str, str]]:
    overrides = [
        *RUNS[preset],
        f"train.seed={seed}",
        "log.progress=false",
        "log.tensorboard=false",
        "eval.interval=0",
        "train.device=cpu",
    ]
    config = load_config(preset, overrides)
    Trainer(config, tmp_path / name).run()
    return loss_columns(tmp_path / name)


@pytest.mark.parametrize("preset", sorted(RUNS))
def test_same_seed_gives_identical_losses(tmp_path: Path, preset: str) -> None:
    first = train(tmp_path, "a", preset, seed=7)
    assert first == train(tmp_path, "b", preset, seed=7)
    assert first != train(tmp_path, "c", preset, seed=8)
