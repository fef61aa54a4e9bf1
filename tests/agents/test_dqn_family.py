"""The DQN family's options (Rainbow's components) each learn a toy problem; Rainbow resumes bit-exactly."""

from __future__ import annotations

import io
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents.dqn import DQN
from rlkit.config.loading import load_config
from rlkit.training.trainer import Trainer

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "train.target_return=null"]
BANDIT = [
    "env.id=tests.agents.toy_envs:ContextBandit",
    "train.total_steps=3000",
    "agent.learning_starts=300",
    "agent.train_freq=10",
    "agent.gradient_steps=5",
    "agent.target_update_interval=100",
    "agent.exploration_fraction=0.5",
    "agent.network.hidden_sizes=[32]",
    "eval.episodes=32",
]
RAINBOW = [
    "agent.dueling=true",
    "agent.n_step=3",
    "agent.prioritized_replay=true",
    "agent.distributional=true",
    "agent.v_min=-1",
    "agent.v_max=2",
    "agent.noisy_nets=true",
]


def train_and_evaluate(tmp_path: Path, overrides: list[str]) -> dict:
    config = load_config("cartpole-dqn", [*QUIET, *overrides])
    trainer = Trainer(config, tmp_path)
    trainer.run()
    return trainer.evaluate()


@pytest.mark.parametrize(
    "options",
    [
        ["agent.dueling=true"],
        ["agent.prioritized_replay=true", "agent.priority_alpha=0.6"],
        ["agent.distributional=true", "agent.num_atoms=11", "agent.v_min=-1", "agent.v_max=2"],
        ["agent.noisy_nets=true"],
    ],
    ids=["dueling", "prioritized", "distributional", "noisy"],
)
def test_option_learns_a_contextual_bandit(options: list[str], tmp_path: Path) -> None:
    summary = train_and_evaluate(tmp_path, [*BANDIT, *options])
    assert summary["mean_return"] == pytest.approx(1.0)  # a random policy scores 0.25


@pytest.mark.parametrize("options", [["agent.n_step=3"], RAINBOW], ids=["n_step", "rainbow"])
def test_option_walks_a_chain(options: list[str], tmp_path: Path) -> None:
    summary = train_and_evaluate(
        tmp_path,
        [
            "env.id=tests.agents.toy_envs:Chain",
            "train.total_steps=2500",
            "agent.learning_starts=300",
            "agent.train_freq=10",
            "agent.gradient_steps=5",
            "agent.target_update_interval=100",
            "agent.exploration_fraction=0.5",
            "agent.gamma=0.9",
            "agent.network.hidden_sizes=[32]",
            "eval.episodes=4",
            *options,
        ],
    )
    # Going right reaches the end in 4 steps (return 1); going left never does (return 0).
    assert summary["mean_return"] == pytest.approx(1.0)
    assert summary["mean_length"] == pytest.approx(4.0)


def rebuild(agent: DQN) -> DQN:
    """A new agent from a checkpoint of ``agent`` loaded as rlkit loads checkpoints (no pickle)."""
    buffer = io.BytesIO()
    torch.save(agent.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    clone = DQN(
        agent.config,
        agent.observation_space,
        agent.action_space,
        agent.num_envs,
        agent.total_steps,
        agent.device,
        seed=12345,  # every random stream must come from the checkpoint, not the seed
    )
    clone.load_state_dict(state)
    return clone


def test_rainbow_trains_and_its_checkpoint_round_trips(tmp_path: Path) -> None:
    config = load_config(
        "cartpole-rainbow",
        [*QUIET, "train.total_steps=600", "agent.learning_starts=200", "rollout.num_envs=2"],
    )
    trainer = Trainer(config, tmp_path)
    trainer.run()
    agent = trainer.agent
    assert agent.n_step is not None and agent.n_step.pending() > 0  # windows in flight travel too
    clone = rebuild(agent)
    obs = np.stack([gym.make("CartPole-v1").reset(seed=s)[0] for s in range(8)])
    np.testing.assert_array_equal(clone.act(obs), agent.act(obs))
    np.testing.assert_array_equal(clone.explore(obs[:2], 600), agent.explore(obs[:2], 600))
    first, second = agent.update(0.5), clone.update(0.5)
    assert first == second
    assert np.isfinite(first["loss/td"]) and first["replay/beta"] == pytest.approx(0.7)
    np.testing.assert_array_equal(clone.act(obs), agent.act(obs))


def test_envs_reset_closes_pending_n_step_windows_as_truncated() -> None:
    env = gym.make("CartPole-v1")
    config = load_config("cartpole-dqn", ["agent.n_step=3"])
    agent = DQN(config.agent, env.observation_space, env.action_space, 1, 1000, torch.device("cpu"), 0)
    from rlkit.agents import StepResult

    obs = np.zeros((1, 4), dtype=np.float32)
    for _ in range(2):
        agent.explore(obs, 0)
        agent.record(StepResult(np.ones(1), np.zeros(1, bool), np.zeros(1, bool), obs + 1))
    assert len(agent.buffer) == 0
    agent.envs_reset()
    assert len(agent.buffer) == 2
    assert agent.buffer.rewards[:2].tolist() == pytest.approx([1.99, 1.0])  # 1 + 0.99·1, then 1
    assert agent.buffer.steps[:2].tolist() == [2.0, 1.0] and agent.buffer.terminated[:2].tolist() == [0, 0]
