"""Replay-based agents keep ``gradient_steps`` per ``train_freq`` env steps whatever the number of envs, and
every agent reports its cumulative optimizer steps as ``train/gradient_steps``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rlkit.agents.train_frequency import TrainFrequency
from rlkit.config.loading import load_config
from rlkit.training.trainer import Trainer

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "train.target_return=null"]


def test_periods_are_counted_not_dropped() -> None:
    frequency = TrainFrequency(train_freq=4, learning_starts=0)
    assert frequency.periods_due(8) == 2  # one vector step of 8 envs ends two periods
    assert frequency.take(8) == 2
    assert frequency.periods_due(8) == 0
    assert frequency.periods_due(14) == 1  # 6 steps: one whole period, 2 steps carried over
    assert frequency.take(14) == 1
    assert frequency.periods_due(16) == 1  # the carried 2 steps complete the next period


def test_the_first_period_ends_at_learning_starts() -> None:
    frequency = TrainFrequency(train_freq=256, learning_starts=1000)
    assert frequency.periods_due(999) == 0
    assert frequency.periods_due(1000) == 1
    assert frequency.take(1000) == 1
    assert frequency.periods_due(1255) == 0
    assert frequency.periods_due(1256) == 1


CASES = {  # preset, overrides
    "dqn": ("cartpole-dqn", ["agent.batch_size=8", "agent.target_update_interval=100"]),
    "r2d2": (
        "cartpole-r2d2",
        [
            "agent.batch_size=4",
            "agent.burn_in=2",
            "agent.sequence_length=4",
            "agent.sequence_overlap=2",
            "agent.target_update_interval=10",
        ],
    ),
    "sac": ("pendulum-sac", ["agent.batch_size=8"]),
    "td3": ("pendulum-td3", ["agent.batch_size=8"]),
}


@pytest.mark.parametrize("agent", sorted(CASES))
def test_eight_envs_and_train_freq_4_give_one_gradient_step_per_4_env_steps(
    agent: str, tmp_path: Path
) -> None:
    preset, agent_overrides = CASES[agent]
    overrides = [
        *QUIET,
        *agent_overrides,
        "agent.network.hidden_sizes=[8]",
        "agent.train_freq=4",
        "agent.gradient_steps=1",
        "agent.learning_starts=0",
        "rollout.num_envs=8",
        "train.total_steps=400",
        "log.interval=80",
    ]
    config = load_config(preset, overrides)
    trainer = Trainer(config, tmp_path)
    trainer.run()
    assert trainer.agent.gradient_steps_done == 100
    with (tmp_path / "metrics.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert int(rows[-1]["train/gradient_steps"]) == 100
    counts = [int(row["train/gradient_steps"]) for row in rows]
    assert counts == sorted(counts)  # cumulative


ON_POLICY = {  # preset, overrides, gradient steps in 2 rollouts of 4 envs x 16 steps
    # 2 minibatches of 32 samples per epoch, 3 epochs
    "ppo": ("cartpole-ppo", ["agent.batch_size=32", "agent.n_epochs=3", "agent.target_kl=null"], 2 * 2 * 3),
    # 8 sequences of 8 steps, 4 per minibatch of 32 samples: 2 minibatches per epoch, 3 epochs
    "recurrent_ppo": (
        "cartpole-recurrent-ppo",
        ["agent.sequence_length=8", "agent.batch_size=32", "agent.n_epochs=3", "agent.target_kl=null"],
        2 * 2 * 3,
    ),
    "a2c": ("cartpole-a2c", [], 2),  # one step per rollout
    "reinforce": ("cartpole-reinforce", [], 2),
}


@pytest.mark.parametrize("agent", sorted(ON_POLICY))
def test_on_policy_agents_count_their_optimizer_steps(agent: str, tmp_path: Path) -> None:
    preset, agent_overrides, expected = ON_POLICY[agent]
    overrides = [*QUIET, *agent_overrides, "agent.n_steps=16", "rollout.num_envs=4", "train.total_steps=128"]
    config = load_config(preset, overrides)
    trainer = Trainer(config, tmp_path)
    trainer.run()
    assert trainer.agent.gradient_steps_done == expected
    with (tmp_path / "metrics.csv").open() as file:
        assert int(list(csv.DictReader(file))[-1]["train/gradient_steps"]) == expected
