"""DQN targets on hand-computed numbers."""

import pytest
import torch

from rlkit.agents.dqn.agent import linear_epsilon
from rlkit.agents.dqn.losses import q_learning_loss, td_target

REWARDS = torch.tensor([1.0, 0.0])
NEXT_Q_ONLINE = torch.tensor([[1.0, 3.0], [2.0, 0.0]])
NEXT_Q_TARGET = torch.tensor([[10.0, 4.0], [5.0, 8.0]])
TERMINATED = torch.tensor([0.0, 1.0])


def test_double_dqn_target_uses_online_argmax_and_target_value() -> None:
    # online argmax: action 1 for the first transition → Q_target = 4 → 1 + 0.5·4 = 3; second is terminal.
    target = td_target(REWARDS, NEXT_Q_ONLINE, NEXT_Q_TARGET, TERMINATED, gamma=0.5, double_q=True)
    assert target.tolist() == pytest.approx([3.0, 0.0])


def test_vanilla_dqn_target_uses_target_max() -> None:
    target = td_target(REWARDS, NEXT_Q_ONLINE, NEXT_Q_TARGET, TERMINATED, gamma=0.5, double_q=False)
    assert target.tolist() == pytest.approx([6.0, 0.0])  # 1 + 0.5·max(10, 4)


def test_huber_loss_is_quadratic_then_linear() -> None:
    q = torch.tensor([0.0, 0.0])
    loss, _ = q_learning_loss(q, torch.tensor([0.5, 3.0]), "huber")
    assert loss.item() == pytest.approx((0.5 * 0.25 + (3.0 - 0.5)) / 2)
    mse, _ = q_learning_loss(q, torch.tensor([0.5, 3.0]), "mse")
    assert mse.item() == pytest.approx((0.25 + 9.0) / 2)


def test_linear_epsilon() -> None:
    assert linear_epsilon(0.0, 1.0, 0.05, 0.1) == 1.0
    assert linear_epsilon(0.05, 1.0, 0.05, 0.1) == pytest.approx(0.525)
    assert linear_epsilon(0.5, 1.0, 0.05, 0.1) == 0.05


def test_td_target_takes_per_transition_discounts_for_n_step() -> None:
    # γ^k per transition: 0.5² for a 2-step transition, 0.5 for a 1-step one.
    discounts = torch.tensor([0.25, 0.5])
    target = td_target(REWARDS, NEXT_Q_ONLINE, NEXT_Q_TARGET, torch.zeros(2), discounts, double_q=True)
    assert target.tolist() == pytest.approx([1.0 + 0.25 * 4.0, 0.0 + 0.5 * 5.0])


def test_weighted_loss_scales_each_transition_and_reports_td_errors() -> None:
    q = torch.tensor([0.0, 0.0])
    loss, info = q_learning_loss(q, torch.tensor([0.5, 3.0]), "mse", weights=torch.tensor([1.0, 0.5]))
    assert loss.item() == pytest.approx((0.25 + 0.5 * 9.0) / 2)
    assert info["td_error"].tolist() == pytest.approx([0.5, 3.0])
