"""Agent options that presets do not use still train, checkpoint and restore (tiny budgets)."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents.dqn import DQN, DQNConfig
from rlkit.config.loading import load_config
from rlkit.runs.checkpoint import load_checkpoint
from rlkit.training.trainer import Trainer

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "eval.episodes=2"]


@pytest.mark.parametrize(
    ("preset", "options"),
    [
        (
            "pendulum-ppo",
            [
                "agent.normalize_returns=true",
                "agent.squash_actions=true",
                "agent.state_dependent_std=true",
                "agent.clip_range_vf=0.2",
            ],
        ),
        (
            "pendulum-ppo",
            [
                "agent.lr_schedule=adaptive_kl",
                "agent.target_kl=0.01",
                "agent.optimizer=adamw",
                "agent.network.layer_norm=true",
                "agent.network.activation=elu",
            ],
        ),
        (
            "cartpole-ppo",
            [
                "agent.lr_schedule=cosine",
                "agent.lr_warmup_fraction=0.1",
                "agent.target_kl=0.001",
                "agent.network.shared_encoder=true",
                "agent.batch_size=64",
                "agent.optimizer=sgd",
                "agent.momentum=0.9",
                "agent.nesterov=true",
            ],
        ),
        (
            "cartpole-dqn",
            [
                "agent.tau=0.005",
                "agent.target_update_interval=1",
                "agent.double_q=false",
                "agent.loss=mse",
                "agent.lr_schedule=step",
                "agent.optimizer=rmsprop",
                "agent.learning_starts=100",
                "agent.train_freq=16",
                "agent.gradient_steps=2",
            ],
        ),
        ("cartpole-rainbow", ["agent.learning_starts=100", "agent.double_q=false", "agent.loss=mse"]),
    ],
)
def test_options_train_and_round_trip_through_a_checkpoint(
    preset: str, options: list[str], tmp_path: Path
) -> None:
    steps = ["train.total_steps=1024", "agent.n_steps=64"] if "ppo" in preset else ["train.total_steps=600"]
    config = load_config(preset, [*QUIET, *steps, *options])
    trainer = Trainer(config, tmp_path)
    outcome = trainer.run()
    obs, _ = gym.make(config.env.id).reset(seed=0)
    expected = trainer.agent.act(np.stack([obs, obs]))
    restored = Trainer(config, tmp_path / "restored", resume=load_checkpoint(outcome.checkpoint))
    np.testing.assert_array_equal(restored.agent.act(np.stack([obs, obs])), expected)
    assert np.isfinite(trainer.evaluate()["mean_return"])


def test_polyak_target_update_moves_a_fraction_tau() -> None:
    env = gym.make("CartPole-v1")
    agent = DQN(DQNConfig(tau=0.25), env.observation_space, env.action_space, 1, 1000, torch.device("cpu"), 0)
    online = [p.detach().clone() for p in agent.q_network.parameters()]
    with torch.no_grad():
        for p in agent.q_network.parameters():
            p.add_(1.0)
    agent._update_target()
    for target, before in zip(agent.target_network.parameters(), online, strict=True):
        torch.testing.assert_close(target, before + 0.25)  # θ' ← θ' + τ(θ − θ'), with θ − θ' = 1


CUDA_PRESETS = {
    "cartpole-ppo": ["agent.n_steps=32"],
    "cartpole-a2c": [],
    "cartpole-reinforce": ["agent.n_steps=64"],
    "cartpole-recurrent-ppo": [],
    "cartpole-dqn": ["agent.learning_starts=200"],
    "cartpole-rainbow": ["agent.learning_starts=200"],
    "cartpole-r2d2": ["agent.learning_starts=200"],
    "pendulum-sac": ["agent.learning_starts=200"],
    "pendulum-td3": ["agent.learning_starts=200"],
}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("preset", sorted(CUDA_PRESETS))
def test_training_on_cuda_then_evaluating_on_cpu(preset: str, tmp_path: Path) -> None:
    from rlkit.evaluate.checkpoint_eval import evaluate_checkpoint

    overrides = [*QUIET, "train.total_steps=1500", "train.device=cuda", *CUDA_PRESETS[preset]]
    config = load_config(preset, overrides)
    trainer = Trainer(config, tmp_path)
    trainer.run()
    assert trainer.device.type == "cuda"
    # rlkit eval rebuilds the agent on the CPU from the checkpoint alone.
    result = evaluate_checkpoint(tmp_path, episodes=2, overrides=[])
    assert np.isfinite(result.summary["mean_return"])


def test_a_generator_state_from_another_device_keeps_the_seeded_generator() -> None:
    from rlkit.agents.ppo import PPO, PPOConfig

    space = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
    agent = PPO(PPOConfig(n_steps=8), space, gym.spaces.Discrete(2), 1, 100, torch.device("cpu"), 0)
    state = agent.state_dict()
    seeded = agent.generator.get_state()
    state["generator"] = torch.zeros(16, dtype=torch.uint8)  # the size of a CUDA generator's state
    agent.load_state_dict(state)
    assert torch.equal(agent.generator.get_state(), seeded)
