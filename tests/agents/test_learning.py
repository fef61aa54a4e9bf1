"""Each agent learns something on a tiny problem within seconds (fixed seeds, tiny budgets)."""

from __future__ import annotations

import pytest

from rlkit.config.loading import load_config
from rlkit.training.trainer import Trainer

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "train.target_return=null"]


def train_and_evaluate(tmp_path, preset: str, overrides: list[str]) -> dict:
    config = load_config(preset, [*QUIET, *overrides])
    trainer = Trainer(config, tmp_path)
    trainer.run()
    return trainer.evaluate()


def test_ppo_learns_cartpole(tmp_path) -> None:
    summary = train_and_evaluate(tmp_path, "cartpole-ppo", ["train.total_steps=30000"])
    assert summary["mean_return"] > 400  # a random policy averages about 22


def test_dqn_learns_a_contextual_bandit(tmp_path) -> None:
    summary = train_and_evaluate(
        tmp_path,
        "cartpole-dqn",
        [
            "env.id=tests.agents.toy_envs:ContextBandit",
            "train.total_steps=3000",
            "agent.learning_starts=300",
            "agent.train_freq=10",
            "agent.gradient_steps=5",
            "agent.target_update_interval=100",
            "agent.exploration_fraction=0.5",
            "agent.network.hidden_sizes=[32]",
            "eval.episodes=32",
        ],
    )
    assert summary["mean_return"] == pytest.approx(1.0)  # a random policy scores 0.25


def test_ppo_learns_continuous_target_reaching(tmp_path) -> None:
    summary = train_and_evaluate(
        tmp_path,
        "pendulum-ppo",
        [
            "env.id=tests.agents.toy_envs:TargetReaching",
            "train.total_steps=8192",
            "agent.n_steps=256",
            "agent.gamma=0.0",
            "agent.normalize_observations=false",
            "eval.episodes=32",
        ],
    )
    # A zero action scores −2/3 on average and a random one far worse; the learned mean should be close.
    assert summary["mean_return"] > -0.1
