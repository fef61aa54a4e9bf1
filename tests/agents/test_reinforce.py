"""REINFORCE's discounted returns and policy-gradient loss on hand-computed numbers, and that it learns."""

from __future__ import annotations

import pytest
import torch

from rlkit.agents.reinforce.losses import actor_critic_loss, policy_gradient_loss
from rlkit.agents.returns import discounted_returns, generalized_advantage_estimate


def test_discounted_returns_across_episode_ends() -> None:
    # env 0: terminates after t=1; a new episode runs t=2..3 and is cut by the rollout end (bootstrap V=8).
    # env 1: truncated at t=2 (bootstrap from its final observation, V=10); the next one terminates at t=3.
    rewards = torch.tensor([[1.0, 1.0], [2.0, 1.0], [3.0, 1.0], [4.0, 1.0]])
    terminated = torch.tensor([[0, 0], [1, 0], [0, 0], [0, 1]])
    dones = torch.tensor([[0, 0], [1, 0], [0, 1], [0, 1]])
    next_values = torch.full((4, 2), 100.0)  # only read at truncations and the rollout's end
    next_values[2, 1] = 10.0
    next_values[3, 0] = 8.0
    returns = discounted_returns(rewards, next_values, terminated, dones, gamma=0.5)
    # env 0: G3 = 4 + .5·8 = 8, G2 = 3 + .5·8 = 7, G1 = 2 (terminal), G0 = 1 + .5·2 = 2
    # env 1: G3 = 1 (terminal), G2 = 1 + .5·10 = 6, G1 = 1 + .5·6 = 4, G0 = 1 + .5·4 = 3
    expected = torch.tensor([[2.0, 3.0], [2.0, 4.0], [7.0, 6.0], [8.0, 1.0]])
    torch.testing.assert_close(returns, expected)


def test_discounted_returns_are_the_lambda_one_gae_returns() -> None:
    generator = torch.Generator().manual_seed(0)
    t, n = 7, 3
    rewards = torch.randn(t, n, generator=generator)
    values = torch.randn(t, n, generator=generator)
    dones = (torch.rand(t, n, generator=generator) < 0.3).float()
    terminated = dones * (torch.rand(t, n, generator=generator) < 0.5).float()
    # next step's value inside an episode, a final observation's value where it ended
    next_values = torch.cat([values[1:], torch.randn(1, n, generator=generator)])
    next_values = torch.where(dones.bool(), torch.randn(t, n, generator=generator), next_values)
    _, gae_returns = generalized_advantage_estimate(rewards, values, next_values, terminated, dones, 0.9, 1.0)
    torch.testing.assert_close(discounted_returns(rewards, next_values, terminated, dones, 0.9), gae_returns)


def test_policy_gradient_loss_worked_example() -> None:
    log_probs = torch.log(torch.tensor([0.5, 0.25])).requires_grad_()
    advantages = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = policy_gradient_loss(log_probs, advantages)
    # -(ln .5 · 1 + ln .25 · 2) / 2 = -(-0.693147 - 2.772589) / 2
    assert loss.item() == pytest.approx(1.732868, rel=1e-5)
    loss.backward()
    torch.testing.assert_close(log_probs.grad, torch.tensor([-0.5, -1.0]))  # -A / batch
    assert advantages.grad is None  # the advantages are constants of the estimator


def test_actor_critic_loss_combines_the_terms() -> None:
    log_probs = torch.log(torch.tensor([0.5, 0.25]))
    loss, terms = actor_critic_loss(
        log_probs,
        entropy=torch.tensor([0.5, 1.5]),
        values=torch.tensor([1.0, 2.0]),
        advantages=torch.tensor([1.0, 2.0]),
        returns=torch.tensor([2.0, 0.0]),
        vf_coef=0.5,
        ent_coef=0.1,
    )
    assert terms["loss/value"].item() == pytest.approx((1.0 + 4.0) / 2)
    assert terms["loss/entropy"].item() == pytest.approx(1.0)
    assert loss.item() == pytest.approx(1.732868 + 0.5 * 2.5 - 0.1 * 1.0, rel=1e-5)
