"""Tests for rlkit.nn.heads."""

from __future__ import annotations

import math

import pytest
import torch

from rlkit.nn.distributions import Categorical, DiagGaussian
from rlkit.nn.heads import CategoricalHead, GaussianHead, QHead, ValueHead


def test_categorical_head_returns_categorical_over_actions(assert_orthogonal) -> None:
    head = CategoricalHead(16, 4)
    features = torch.randn(8, 16)
    dist = head(features)
    assert isinstance(dist, Categorical)
    assert dist.logits.shape == (8, 4)
    torch.testing.assert_close(dist.logits, features @ head.linear.weight.T)
    assert_orthogonal(head.linear.weight, 0.01)
    assert torch.all(head.linear.bias == 0)
    # Tiny initial logits: the initial policy is close to uniform.
    torch.testing.assert_close(dist.entropy(), torch.full((8,), math.log(4.0)), atol=1e-3, rtol=0)


def test_gaussian_head_state_independent_std(assert_orthogonal) -> None:
    head = GaussianHead(16, 3, log_std_init=-0.5)
    assert isinstance(head.log_std, torch.nn.Parameter)
    assert torch.equal(head.log_std.data, torch.full((3,), -0.5))
    dist = head(torch.randn(8, 16))
    assert isinstance(dist, DiagGaussian)
    assert dist.mean.shape == (8, 3)
    assert not dist.squash
    assert_orthogonal(head.linear.weight, 0.01)
    expected_entropy = 3 * (-0.5 + 0.5 * math.log(2 * math.pi * math.e))
    torch.testing.assert_close(dist.entropy(), torch.full((8,), expected_entropy))
    dist.log_prob(torch.zeros(8, 3)).sum().backward()
    assert head.log_std.grad is not None and head.log_std.grad.abs().sum() > 0


def test_gaussian_head_state_dependent_std_initial_value_and_shapes() -> None:
    head = GaussianHead(16, 2, state_dependent_std=True, log_std_init=-1.0, squash=True)
    assert head.log_std is None
    assert head.linear.out_features == 4
    dist = head(torch.randn(5, 7, 16))
    assert dist.mean.shape == dist.log_std.shape == (5, 7, 2)
    assert dist.squash
    # Gain-0.01 weights and a -1 bias: log_std starts close to log_std_init.
    torch.testing.assert_close(dist.log_std, torch.full((5, 7, 2), -1.0), atol=0.2, rtol=0)
    assert dist.sample().abs().max() < 1.0


@pytest.mark.parametrize("bounds", [(-20.0, 2.0), (-5.0, 0.5)])
def test_gaussian_head_state_dependent_std_is_clamped_to_bounds(bounds: tuple[float, float]) -> None:
    head = GaussianHead(4, 2, state_dependent_std=True, log_std_bounds=bounds)
    with torch.no_grad():
        head.linear.weight.zero_()
        head.linear.weight[2:, 0] = 1.0  # log_std outputs follow feature 0
    features = torch.zeros(3, 4)
    features[:, 0] = torch.tensor([-100.0, 0.25, 100.0])
    log_std = head(features).log_std
    assert torch.equal(log_std[0], torch.full((2,), bounds[0]))
    torch.testing.assert_close(log_std[1], torch.full((2,), 0.25))
    assert torch.equal(log_std[2], torch.full((2,), bounds[1]))


def test_gaussian_head_rejects_bad_bounds() -> None:
    with pytest.raises(ValueError, match="low < high"):
        GaussianHead(4, 2, state_dependent_std=True, log_std_bounds=(2.0, -2.0))


def test_q_head_shape_and_init(assert_orthogonal) -> None:
    head = QHead(32, 6)
    q_values = head(torch.randn(8, 32))
    assert q_values.shape == (8, 6)
    assert_orthogonal(head.linear.weight, 1.0)
    assert torch.all(head.linear.bias == 0)


def test_value_head_shape_and_init(assert_orthogonal) -> None:
    head = ValueHead(32)
    features = torch.randn(8, 32)
    values = head(features)
    assert values.shape == (8,)
    assert head(torch.randn(4, 5, 32)).shape == (4, 5)
    assert_orthogonal(head.linear.weight, 1.0)
    torch.testing.assert_close(values, (features @ head.linear.weight.T).squeeze(-1))


@pytest.mark.parametrize(
    "make_head",
    [lambda: CategoricalHead(0, 2), lambda: QHead(4, 0), lambda: ValueHead(0), lambda: GaussianHead(4, 0)],
)
def test_non_positive_sizes_raise_value_error(make_head) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        make_head()


def test_dueling_q_head_is_value_plus_centred_advantage() -> None:
    from rlkit.nn import DuelingQHead

    head = DuelingQHead(4, 3)
    features = torch.randn(5, 4)
    value = head.value(features)  # (5, 1)
    advantage = head.advantage(features)
    torch.testing.assert_close(head(features), value + advantage - advantage.mean(dim=1, keepdim=True))
    # The advantages are centred, so the mean Q-value over actions is the state value.
    torch.testing.assert_close(head(features).mean(dim=1), value.squeeze(1))


def test_distributional_q_heads_output_atom_logits_per_action() -> None:
    from rlkit.nn import DuelingQHead, NoisyLinear, QHead

    features = torch.randn(2, 4)
    assert QHead(4, 3, num_atoms=7)(features).shape == (2, 3, 7)
    dueling = DuelingQHead(4, 3, num_atoms=7, noisy_sigma0=0.5)
    assert isinstance(dueling.advantage, NoisyLinear)
    logits = dueling(features)
    assert logits.shape == (2, 3, 7)
    torch.testing.assert_close(logits.mean(dim=1), dueling.value(features))  # per atom
