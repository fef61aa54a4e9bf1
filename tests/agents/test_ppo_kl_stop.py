"""PPO's KL control acts before a minibatch's step, as Stable-Baselines3 and rsl_rl do."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents.ppo import PPO, PPOConfig
from rlkit.agents.ppo import agent as ppo_agent
from rlkit.agents.recurrent_ppo import RecurrentPPO, RecurrentPPOConfig
from rlkit.optim import clip_gradients
from tests.agents.test_policy_gradient_agents import BOX_OBS, NUM_ENVS, collect


def make_ppo(agent_class: type[PPO] = PPO, **fields) -> PPO:
    fields = {"n_steps": 8, "batch_size": 6, "n_epochs": 4, "lr": 1e-2, **fields}
    if agent_class is RecurrentPPO:
        config: PPOConfig = RecurrentPPOConfig(sequence_length=4, **{**fields, "batch_size": 4})
    else:
        config = PPOConfig(**fields)
    return agent_class(config, BOX_OBS, gym.spaces.Discrete(3), NUM_ENVS, 1000, torch.device("cpu"), 0)


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


@pytest.mark.parametrize("agent_class", [PPO, RecurrentPPO], ids=lambda cls: cls.__name__)
def test_a_first_minibatch_past_the_kl_limit_leaves_the_weights_and_the_optimizer_unchanged(
    agent_class,
) -> None:
    # The policy moves after the rollout was collected, so the very first minibatch is far past the limit.
    agent = make_ppo(agent_class, target_kl=0.01)
    collect(agent, np.random.default_rng(0))
    with torch.no_grad():
        for parameter in agent.policy.policy_head.parameters():
            parameter.add_(torch.randn(parameter.shape, generator=torch.Generator().manual_seed(1)))
    before = [parameter.detach().clone() for parameter in agent.policy.parameters()]
    metrics = agent.update(0.0)
    assert metrics["policy/approx_kl"] > 1.5 * 0.01
    assert all(torch.equal(a, b) for a, b in zip(before, agent.policy.parameters(), strict=True))
    assert agent.optimizer.state_dict()["state"] == {} and agent.gradient_steps_done == 0
    assert "optim/grad_norm" not in metrics  # no step, so no gradient norm to report


def test_the_reported_gradient_norm_is_that_of_the_steps_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    norms = []

    def recording_clip(*args, **kwargs):
        norm = clip_gradients(*args, **kwargs)
        norms.append(float(norm))
        return norm

    monkeypatch.setattr(ppo_agent, "clip_gradients", recording_clip)
    agent = make_ppo(target_kl=1e-12)  # one step, then a minibatch past the limit stops the update
    collect(agent, np.random.default_rng(0))
    metrics = agent.update(0.0)
    assert len(norms) == 1
    assert metrics["optim/grad_norm"] == pytest.approx(norms[0])  # not averaged with the step not taken
