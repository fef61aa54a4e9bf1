"""PPO's KL control acts before a minibatch's step, as Stable-Baselines3 and rsl_rl do."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch

from agents.ppo import PPO, PPOConfig
from tests.agents.test_policy_gradient_agents import BOX_OBS, NUM_ENVS, collect


def make_ppo(**fields) -> PPO:
    config = PPOConfig(**{"n_steps": 8, "batch_size": 6, "n_epochs": 4, "lr": 1e-2, **fields})
    return PPO(config, BOX_OBS, gym.spaces.Discrete(3), NUM_ENVS, 1000, torch.device("cpu"), 0)


def test_a_minibatch_past_the_kl_limit_takes_no_step() -> None:
    # The first minibatch meets the rollout's own policy (KL 0) and steps; every later one is past a limit
    # this small, so the update must stop before its second step, leaving the weights of one step.
    agent = make_ppo(target_kl=1e-12)
    collect(agent, np.random.default_rng(0))
    before = [parameter.detach().clone() for parameter in agent.policy.parameters()]
    metrics = agent.update(0.0)
    assert agent.gradient_steps_done == 1
    assert any(not torch.equal(a, b) for a, b in zip(before, agent.policy.parameters(), strict=True))
    assert metrics["policy/approx_kl"] > 0  # the stopping minibatch's KL is reported
    steps = {int(state["step"]) for state in agent.optimizer.state.values()}
    assert steps == {1}


def test_adaptive_kl_sets_the_lr_of_the_step_from_the_kl_before_it() -> None:
    agent = make_ppo(target_kl=1e-12, lr_schedule="adaptive_kl", lr=1e-3)
    collect(agent, np.random.default_rng(0))
    lrs = []
    step = agent.optimizer.step

    def recording_step(*args, **kwargs):
        lrs.append(agent.optimizer.param_groups[0]["lr"])
        return step(*args, **kwargs)

    agent.optimizer.step = recording_step
    agent.update(0.0)
    # KL 0 before the first step is below target / 2: the lr rises for that very step.
    assert lrs[0] > 1e-3
    assert lrs[1] < lrs[0]  # after one step the KL is far above 2x target: the next step is slower
