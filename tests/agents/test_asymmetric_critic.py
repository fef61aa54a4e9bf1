"""PPO's asymmetric actor-critic: the critic reads the privileged observation, the actor never does."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents.actor_critic import ActorCritic, flatten_observation
from rlkit.config.loading import load_config
from rlkit.config.schema import NetworkConfig
from rlkit.errors import RlkitError
from rlkit.training.trainer import Trainer

SPACE = gym.spaces.Dict(
    {
        "policy": gym.spaces.Box(-np.inf, np.inf, (3,), np.float64),
        "privileged": gym.spaces.Box(-np.inf, np.inf, (2,), np.float32),
    }
)
ACTIONS = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)


def test_actor_ignores_privileged_columns_and_critic_reads_them() -> None:
    torch.manual_seed(0)
    model = ActorCritic(SPACE, ACTIONS, NetworkConfig(), normalize_observations=True)
    obs = {"policy": np.array([[0.1, -0.2, 0.3]]), "privileged": np.array([[1.0, 2.0]], np.float32)}
    shifted = {"policy": obs["policy"], "privileged": np.array([[-5.0, 7.0]], np.float32)}
    flat, flat_shifted = (
        torch.as_tensor(flatten_observation(o), dtype=torch.float32) for o in (obs, shifted)
    )
    assert flat.shape == (1, 5)
    torch.testing.assert_close(model.distribution(flat).mode(), model.distribution(flat_shifted).mode())
    assert not torch.allclose(model.value(flat), model.value(flat_shifted))
    assert model.actor_encoder.output_dim == model.critic_encoder.output_dim
    with pytest.raises(RlkitError, match="shared_encoder"):
        ActorCritic(SPACE, ACTIONS, NetworkConfig(shared_encoder=True))


def test_ppo_trains_with_a_privileged_observation(tmp_path: Path) -> None:
    config = load_config(
        "walker-ppo",
        [
            "env.randomization.parameters=[{parameter: body_mass, low: 0.8, high: 1.2}]",
            "env.randomization.privileged_observation=true",
            "train.total_steps=1024",
            "agent.n_steps=64",
            "rollout.num_envs=4",
            "eval.interval=0",
            "eval.episodes=2",
            "log.progress=false",
            "log.tensorboard=false",
        ],
    )
    trainer = Trainer(config, tmp_path)
    assert trainer.agent.policy.actor_dim == 16
    outcome = trainer.run()
    assert outcome.env_steps == 1024 and np.isfinite(trainer.evaluate()["mean_return"])


def test_ppo_rejects_other_dict_observations() -> None:
    from rlkit.agents.ppo import PPO

    other = gym.spaces.Dict({"camera": gym.spaces.Box(0, 1, (3,)), "joints": gym.spaces.Box(0, 1, (3,))})
    with pytest.raises(RlkitError, match=r"Dict\{policy, privileged\}"):
        PPO.check_spaces(other, ACTIONS)
