"""PPO's clipped surrogate and value clipping on hand-computed numbers."""

import math

import pytest
import torch

from rlkit.agents.ppo.losses import clipped_surrogate_loss, normalize_advantages, value_loss


def test_clipped_surrogate_worked_example() -> None:
    ratios = [1.5, 0.5, 1.1, 0.7]
    advantages = torch.tensor([1.0, 1.0, -2.0, -1.0])
    old = torch.zeros(4)
    new = torch.log(torch.tensor(ratios))
    loss, info = clipped_surrogate_loss(new, old, advantages, clip_range=0.2)
    # min(rA, clip(r)A): 1.5→min(1.5, 1.2)=1.2; 0.5→min(0.5, 0.8)=0.5; 1.1→-2.2; 0.7→min(-0.7, -0.8)=-0.8
    assert loss.item() == pytest.approx(-(1.2 + 0.5 - 2.2 - 0.8) / 4)
    assert info["clip_fraction"].item() == pytest.approx(0.75)  # |r − 1| > 0.2 for 1.5, 0.5, 0.7
    expected_kl = sum((r - 1) - math.log(r) for r in ratios) / 4
    assert info["approx_kl"].item() == pytest.approx(expected_kl, rel=1e-5)


def test_clipped_surrogate_gradient_vanishes_outside_the_clip_region() -> None:
    new = torch.log(torch.tensor([1.5, 1.1])).requires_grad_()
    loss, _ = clipped_surrogate_loss(new, torch.zeros(2), torch.tensor([1.0, 1.0]), clip_range=0.2)
    loss.backward()
    assert new.grad[0].item() == 0.0  # ratio 1.5 > 1.2 with a positive advantage: clipped, no gradient
    assert new.grad[1].item() == pytest.approx(-1.1 / 2)  # d(-r/2)/d log r = -r/2


def test_value_loss_clipping_takes_the_pessimistic_error() -> None:
    values, old, returns = torch.tensor([1.0]), torch.tensor([0.0]), torch.tensor([2.0])
    assert value_loss(values, old, returns, None).item() == pytest.approx(1.0)
    # clipped prediction 0 + clamp(1, ±0.5) = 0.5 → error (0.5 − 2)² = 2.25 > 1
    assert value_loss(values, old, returns, 0.5).item() == pytest.approx(2.25)


def test_normalize_advantages() -> None:
    normalized = normalize_advantages(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert normalized.mean().item() == pytest.approx(0.0, abs=1e-6)
    assert normalized.std().item() == pytest.approx(1.0, rel=1e-5)
    assert normalize_advantages(torch.tensor([3.0])).item() == 0.0


def test_huber_value_loss_is_the_squared_error_up_to_delta_and_linear_beyond() -> None:
    values, returns = torch.zeros(2), torch.tensor([0.5, 3.0])
    # 0.5 is inside δ = 1: 0.5² = 0.25; 3 is beyond: 2 · 1 · 3 - 1² = 5 (the squared error would be 9)
    assert value_loss(values, values, returns, None, huber_delta=1.0).item() == pytest.approx((0.25 + 5) / 2)
    assert value_loss(values, values, returns, None).item() == pytest.approx((0.25 + 9) / 2)
    # with clipping, the pessimistic Huber error: the prediction 2 clipped to 0 + 0.5 from old value 0
    clipped = value_loss(torch.tensor([2.0]), torch.tensor([0.0]), torch.tensor([3.0]), 0.5, huber_delta=1.0)
    assert clipped.item() == pytest.approx(2 * 2.5 - 1)  # error 2.5 beyond δ, against error 1 unclipped
