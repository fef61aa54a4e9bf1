"""SAC: hand-checked losses, the tanh log-prob correction, learning a toy task, checkpoints, privileged
observations and the action spaces it accepts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from rlkit.agents import StepResult
from rlkit.agents.sac import SAC
from rlkit.agents.sac.losses import actor_loss, critic_loss, entropy_coef_loss, soft_q_target
from rlkit.nn.distributions import DiagGaussian
from tests.agents.off_policy_helpers import (
    check_actor_ignores_privileged_columns,
    check_checkpoint_round_trip,
    check_rejects_discrete_and_unbounded_action_spaces,
    check_uniform_warm_up_and_update_to_data_ratio,
    make_agent,
    train_on_toy,
)


def test_soft_q_target_bootstraps_the_smaller_critic_minus_the_entropy_term() -> None:
    target = soft_q_target(
        rewards=torch.tensor([1.0, -0.5]),
        next_q1=torch.tensor([2.0, 4.0]),
        next_q2=torch.tensor([3.0, 1.0]),
        next_log_probs=torch.tensor([-1.0, 0.5]),
        terminated=torch.tensor([0.0, 1.0]),
        gamma=0.9,
        alpha=0.2,
    )
    # 1 + 0.9·(min(2, 3) - 0.2·(-1)) = 1 + 0.9·2.2; the terminal transition keeps its reward only.
    torch.testing.assert_close(target, torch.tensor([2.98, -0.5]))


def test_critic_loss_fits_both_critics_to_one_target() -> None:
    q1 = torch.tensor([1.0, 2.0], requires_grad=True)
    q2 = torch.tensor([0.0, 4.0], requires_grad=True)
    loss, info = critic_loss(q1, q2, torch.tensor([2.0, 3.0]))
    # ½ (mean(1, 1) + mean(4, 1)) = ½ (1 + 2.5)
    assert loss.item() == pytest.approx(1.75)
    assert info["q_mean"].item() == pytest.approx(1.75)
    loss.backward()
    torch.testing.assert_close(q1.grad, torch.tensor([-0.5, -0.5]))  # ½ · 2 (q - y) / 2
    torch.testing.assert_close(q2.grad, torch.tensor([-1.0, 0.5]))


def test_actor_loss_trades_entropy_against_the_smaller_critic() -> None:
    log_probs = torch.tensor([-1.0, 2.0], requires_grad=True)
    q1 = torch.tensor([3.0, 0.0], requires_grad=True)
    q2 = torch.tensor([1.0, 5.0], requires_grad=True)
    loss, info = actor_loss(log_probs, q1, q2, alpha=0.5)
    # mean(0.5·(-1) - 1, 0.5·2 - 0) = mean(-1.5, 1)
    assert loss.item() == pytest.approx(-0.25)
    assert info["entropy"].item() == pytest.approx(-0.5)
    loss.backward()
    torch.testing.assert_close(q1.grad, torch.tensor([0.0, -0.5]))  # only where Q1 is the minimum
    torch.testing.assert_close(q2.grad, torch.tensor([-0.5, 0.0]))
    torch.testing.assert_close(log_probs.grad, torch.tensor([0.25, 0.25]))


def test_entropy_coefficient_falls_when_the_policy_is_more_random_than_the_target() -> None:
    log_alpha = torch.tensor([math.log(2.0)], requires_grad=True)
    loss, info = entropy_coef_loss(log_alpha, torch.tensor([-1.0, -3.0]), target_entropy=-1.0)
    # -ln 2 · mean(-1 - 1, -3 - 1) = 3 ln 2
    assert loss.item() == pytest.approx(3 * math.log(2.0))
    assert info["ent_coef"].item() == pytest.approx(2.0)
    loss.backward()
    # d/d log α = entropy (2) - target (-1) = 3 > 0: gradient descent lowers α.
    torch.testing.assert_close(log_alpha.grad, torch.tensor([3.0]))


def test_squashed_log_prob_matches_a_numerical_density_of_tanh_of_a_gaussian() -> None:
    mean, log_std = (
        torch.tensor([0.3, -0.8], dtype=torch.float64),
        torch.tensor([-0.5, 0.4], dtype=torch.float64),
    )
    dist = DiagGaussian(mean, log_std, squash=True)
    normal = torch.distributions.Normal(mean, log_std.exp())
    for action in ([0.1, -0.5], [0.9, 0.95], [-0.99, 0.0]):
        a = torch.tensor(action, dtype=torch.float64)
        h = 1e-6
        # density of a = tanh(u): P(a - h < A < a + h) / 2h through the Gaussian CDF, per dimension
        probability = normal.cdf(torch.atanh(a + h)) - normal.cdf(torch.atanh(a - h))
        numeric = torch.log(probability / (2 * h)).sum()
        assert dist.log_prob(a).item() == pytest.approx(numeric.item(), abs=1e-5)
    # The one-pass sample_with_log_prob agrees with log_prob of the same sample.
    actions, log_probs = dist.sample_with_log_prob(torch.Generator().manual_seed(0))
    torch.testing.assert_close(log_probs, dist.log_prob(actions))


def test_sac_learns_to_reach_targets(tmp_path: Path) -> None:
    trainer = train_on_toy("pendulum-sac", tmp_path, "train.total_steps=1500")
    # A uniformly random policy scores about -10/3; reaching the target exactly scores 0.
    assert trainer.evaluate()["mean_return"] > -0.05


def test_checkpoint_round_trip_gives_identical_actions_and_updates(tmp_path: Path) -> None:
    agent = train_on_toy("pendulum-sac", tmp_path, "train.total_steps=400", "agent.learning_starts=100").agent
    assert agent.gradient_steps_done == 301 and agent.alpha.item() != 1.0  # log α was tuned
    _, _, metrics = check_checkpoint_round_trip(agent)
    assert {"loss/critic", "loss/actor", "loss/ent_coef", "policy/ent_coef"} <= set(metrics)


def test_uniform_warm_up_is_rescaled_to_the_bounds_and_updates_keep_the_update_to_data_ratio() -> None:
    check_uniform_warm_up_and_update_to_data_ratio(SAC, rtol=1e-6)


def test_actor_ignores_privileged_columns_and_critics_read_them() -> None:
    check_actor_ignores_privileged_columns(SAC)


def test_fixed_entropy_coefficient_is_not_tuned() -> None:
    agent = make_agent(SAC, learning_starts=0, batch_size=2, ent_coef=0.1)
    obs = np.zeros((1, 3), dtype=np.float32)
    agent.explore(obs, 0)
    agent.record(StepResult(np.ones(1), np.ones(1, bool), np.zeros(1, bool), obs))
    metrics = agent.update(0.0)
    assert "loss/ent_coef" not in metrics and metrics["policy/ent_coef"] == pytest.approx(0.1)
    assert agent.alpha.item() == pytest.approx(0.1)


def test_discrete_and_unbounded_action_spaces_are_rejected() -> None:
    check_rejects_discrete_and_unbounded_action_spaces(SAC, "sac")
