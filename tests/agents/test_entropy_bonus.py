"""The on-policy agents' entropy bonus for tanh-squashed Gaussian actions is the entropy of the squashed
actions (estimated as ``-log pi(a|s)`` of sampled actions), not the unsquashed Gaussian's."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents.a2c import A2C, A2CConfig
from rlkit.agents.on_policy import OnPolicyAgent
from rlkit.agents.ppo import PPO, PPOConfig
from rlkit.agents.recurrent_ppo import RecurrentPPO, RecurrentPPOConfig
from rlkit.agents.reinforce import Reinforce, ReinforceConfig
from tests.agents.test_policy_gradient_agents import BOX_OBS, NUM_ENVS, collect

ACTIONS = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
AGENTS = [
    (PPO, PPOConfig),
    (A2C, A2CConfig),
    (Reinforce, ReinforceConfig),
    (RecurrentPPO, RecurrentPPOConfig),
]
IDS = [agent_class.__name__ for agent_class, _ in AGENTS]


def make(agent_class, config_class, log_std_init: float, ent_coef: float) -> OnPolicyAgent:
    fields = {"n_steps": 32, "squash_actions": True, "log_std_init": log_std_init, "ent_coef": ent_coef}
    if config_class is PPOConfig:
        fields.update(batch_size=48, n_epochs=1)
    if config_class is RecurrentPPOConfig:
        fields.update(sequence_length=8, batch_size=48, n_epochs=1)
    config = config_class(**fields)
    return agent_class(config, BOX_OBS, ACTIONS, NUM_ENVS, 1000, torch.device("cpu"), 0)


@pytest.mark.parametrize(("agent_class", "config_class"), AGENTS, ids=IDS)
def test_the_logged_entropy_is_that_of_the_squashed_actions(agent_class, config_class) -> None:
    # At std e^2 nearly every action is saturated: the squashed entropy is below that of a uniform on
    # (-1, 1)^2 (2 log 2 = 1.39 nats), while the unsquashed Gaussian's is 2 (log(2 pi e) / 2 + 2) = 6.84.
    agent = make(agent_class, config_class, log_std_init=2.0, ent_coef=0.0)
    collect(agent, np.random.default_rng(0))
    entropy = agent.update(0.0)["loss/entropy"]
    assert entropy < 2 * math.log(2.0)


@pytest.mark.parametrize(("agent_class", "config_class"), AGENTS, ids=IDS)
def test_the_bonus_narrows_a_saturating_std_and_widens_a_narrow_one(agent_class, config_class) -> None:
    # With a bonus weight that dominates the other losses, an update moves log std up the gradient of the
    # squashed entropy: down from 2 (wider only piles actions at +-1), up from -1. The unsquashed entropy
    # (log std + const) would push log std up from anywhere, towards bang-bang actions.
    for log_std_init, direction in ((2.0, -1.0), (-1.0, 1.0)):
        agent = make(agent_class, config_class, log_std_init=log_std_init, ent_coef=100.0)
        collect(agent, np.random.default_rng(0))
        agent.update(0.0)
        change = agent.policy.policy_head.log_std.detach() - log_std_init
        assert torch.all(direction * change > 0), (log_std_init, change)
