"""C51's projection onto the support and its cross-entropy on hand-computed numbers."""

import math

import pytest
import torch

from rlkit.agents.dqn.distributional import (
    categorical_loss,
    categorical_support,
    expected_q,
    project_distribution,
)

SUPPORT = categorical_support(-2.0, 2.0, 5)  # -2, -1, 0, 1, 2 (Δz = 1)


def project(probs: list[float], reward: float, discount: float) -> list[float]:
    probs_tensor = torch.tensor([probs], dtype=torch.float32)
    target = project_distribution(probs_tensor, torch.tensor([reward]), torch.tensor([discount]), SUPPORT)
    return target[0].tolist()


def test_support_is_evenly_spaced() -> None:
    assert SUPPORT.tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="v_min < v_max"):
        categorical_support(1.0, 1.0, 5)


def test_an_atom_between_support_points_splits_its_mass_by_distance() -> None:
    # z = 0 moves to 0.5: half to 0, half to 1.
    assert project([0, 0, 1, 0, 0], 0.5, 1.0) == pytest.approx([0, 0, 0.5, 0.5, 0])
    # 0.25 → three quarters to 0, one quarter to 1.
    assert project([0, 0, 1, 0, 0], 0.25, 1.0) == pytest.approx([0, 0, 0.75, 0.25, 0])


def test_atoms_landing_on_support_points_and_past_v_max_are_kept_and_clipped() -> None:
    # r = 1, γ = 1: -2 → -1, -1 → 0, 0 → 1, 1 → 2, 2 → 3 clipped to 2.
    assert project([0.2] * 5, 1.0, 1.0) == pytest.approx([0, 0.2, 0.2, 0.2, 0.4])


def test_discount_contracts_the_distribution() -> None:
    # γ = 0.5: atoms move to -1, -0.5, 0, 0.5, 1; the half-way ones split between neighbours.
    assert project([0.1, 0.2, 0.3, 0.2, 0.2], 0.0, 0.5) == pytest.approx([0, 0.2, 0.5, 0.3, 0])


def test_terminal_transition_puts_everything_on_the_clipped_reward() -> None:
    assert project([0.1, 0.2, 0.3, 0.2, 0.2], -5.0, 0.0) == pytest.approx([1, 0, 0, 0, 0])


def test_cross_entropy_and_expected_value() -> None:
    logits = torch.zeros(2, 2)  # uniform over two atoms: log p = log ½
    target = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    loss, info = categorical_loss(logits, target)
    assert loss.item() == pytest.approx(math.log(2.0))
    assert info["cross_entropy"].tolist() == pytest.approx([math.log(2.0)] * 2)
    weighted, _ = categorical_loss(logits, target, weights=torch.tensor([2.0, 0.0]))
    assert weighted.item() == pytest.approx(math.log(2.0))  # (2·log 2 + 0) / 2
    q = expected_q(torch.tensor([[0.25, 0.75]]).log().unsqueeze(0), torch.tensor([0.0, 4.0]))
    assert q.flatten().tolist() == pytest.approx([3.0])
