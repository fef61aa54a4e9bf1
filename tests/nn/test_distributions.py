"""Tests for rlkit.nn.distributions, checked against torch.distributions and hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch
from torch import distributions as td

from rlkit.nn.distributions import SQUASH_EPS, Categorical, DiagGaussian

LOGITS = torch.tensor([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
MEAN = torch.tensor([[0.5, -1.0], [0.0, 2.0]])
LOG_STD = torch.tensor([[0.1, -0.3], [0.0, 0.7]])
ACTIONS = torch.tensor([[0.2, 0.4], [-1.5, 2.5]])
SQUASHED_ACTIONS = torch.tensor([[0.3, -0.95], [0.0, 0.999]])


# ---------------------------------------------------------------- Categorical


def test_categorical_hand_computed_values() -> None:
    # p = (1/4, 3/4)
    dist = Categorical(torch.tensor([0.0, math.log(3.0)]))
    assert dist.log_prob(torch.tensor(1)).item() == pytest.approx(math.log(0.75), abs=1e-6)
    assert dist.log_prob(torch.tensor(0)).item() == pytest.approx(math.log(0.25), abs=1e-6)
    expected_entropy = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert dist.entropy().item() == pytest.approx(expected_entropy, abs=1e-6)
    assert dist.mode().item() == 1


def test_categorical_matches_torch_distributions() -> None:
    dist = Categorical(LOGITS)
    reference = td.Categorical(logits=LOGITS)
    actions = torch.tensor([2, 0])
    torch.testing.assert_close(dist.log_prob(actions), reference.log_prob(actions))
    torch.testing.assert_close(dist.entropy(), reference.entropy())
    torch.testing.assert_close(dist.probs, reference.probs)
    assert torch.equal(dist.mode(), torch.tensor([1, 2]))


def test_categorical_accepts_float_actions() -> None:
    dist = Categorical(LOGITS)
    torch.testing.assert_close(dist.log_prob(torch.tensor([2.0, 0.0])), dist.log_prob(torch.tensor([2, 0])))


def test_categorical_sample_shape_dtype_and_generator() -> None:
    dist = Categorical(torch.randn(4, 5, 3))
    first = dist.sample(torch.Generator().manual_seed(7))
    second = dist.sample(torch.Generator().manual_seed(7))
    assert first.shape == (4, 5) and first.dtype == torch.int64
    assert torch.equal(first, second)
    assert first.min() >= 0 and first.max() < 3


def test_categorical_sample_frequencies_match_probabilities() -> None:
    probs = torch.tensor([0.1, 0.6, 0.3])
    dist = Categorical(probs.log().expand(40_000, 3))
    counts = torch.bincount(dist.sample(torch.Generator().manual_seed(0)), minlength=3).float()
    # Standard error of each frequency is below 0.0025; allow about four of them.
    torch.testing.assert_close(counts / counts.sum(), probs, atol=0.01, rtol=0)


def test_categorical_masked_actions_are_never_sampled_and_add_no_entropy() -> None:
    logits = torch.tensor([0.0, -math.inf, 0.0]).expand(5_000, 3)
    dist = Categorical(logits)
    assert not (dist.sample() == 1).any()
    torch.testing.assert_close(dist.entropy(), torch.full((5_000,), math.log(2.0)))


def test_categorical_log_prob_gradient_reaches_logits() -> None:
    logits = LOGITS.clone().requires_grad_()
    Categorical(logits).log_prob(torch.tensor([2, 0])).sum().backward()
    # d log softmax_a / d logits = onehot(a) - softmax
    expected = torch.nn.functional.one_hot(torch.tensor([2, 0]), 3) - LOGITS.softmax(-1)
    torch.testing.assert_close(logits.grad, expected)


# ---------------------------------------------------------------- DiagGaussian, unsquashed


def test_gaussian_hand_computed_values() -> None:
    dist = DiagGaussian(torch.zeros(3), torch.zeros(3))
    assert dist.log_prob(torch.zeros(3)).item() == pytest.approx(-1.5 * math.log(2 * math.pi), abs=1e-6)
    assert dist.entropy().item() == pytest.approx(1.5 * math.log(2 * math.pi * math.e), abs=1e-6)


def test_gaussian_matches_torch_distributions() -> None:
    dist = DiagGaussian(MEAN, LOG_STD)
    reference = td.Normal(MEAN, LOG_STD.exp())
    torch.testing.assert_close(dist.log_prob(ACTIONS), reference.log_prob(ACTIONS).sum(-1))
    torch.testing.assert_close(dist.entropy(), reference.entropy().sum(-1))
    assert torch.equal(dist.mode(), MEAN)


def test_gaussian_broadcasts_state_independent_log_std() -> None:
    shared = torch.tensor([0.1, -0.3])
    dist = DiagGaussian(MEAN, shared)
    reference = td.Normal(MEAN, shared.exp().expand_as(MEAN))
    torch.testing.assert_close(dist.entropy(), reference.entropy().sum(-1))
    assert dist.entropy().shape == (2,)
    torch.testing.assert_close(dist.log_prob(ACTIONS), reference.log_prob(ACTIONS).sum(-1))
    assert dist.sample().shape == MEAN.shape


def test_gaussian_sample_statistics_and_generator() -> None:
    mean = torch.tensor([1.0, -2.0]).expand(50_000, 2)
    log_std = torch.tensor([math.log(0.5), math.log(2.0)])
    dist = DiagGaussian(mean, log_std)
    samples = dist.sample(torch.Generator().manual_seed(3))
    torch.testing.assert_close(samples.mean(0), torch.tensor([1.0, -2.0]), atol=0.03, rtol=0)
    torch.testing.assert_close(samples.std(0), torch.tensor([0.5, 2.0]), atol=0.03, rtol=0)
    assert torch.equal(samples, dist.sample(torch.Generator().manual_seed(3)))


def test_gaussian_sample_is_reparameterised() -> None:
    mean = MEAN.clone().requires_grad_()
    log_std = LOG_STD.clone().requires_grad_()
    sample = DiagGaussian(mean, log_std).rsample(torch.Generator().manual_seed(1))
    sample.sum().backward()
    assert torch.equal(mean.grad, torch.ones_like(MEAN))
    noise = (sample.detach() - MEAN) / LOG_STD.exp()
    torch.testing.assert_close(log_std.grad, noise * LOG_STD.exp())


@pytest.mark.parametrize("squash", [False, True])
def test_sample_with_log_prob_agrees_with_log_prob(squash: bool) -> None:
    dist = DiagGaussian(MEAN, LOG_STD, squash=squash)
    actions, log_prob = dist.sample_with_log_prob(torch.Generator().manual_seed(5))
    assert torch.equal(actions, dist.sample(torch.Generator().manual_seed(5)))
    assert log_prob.shape == (2,)
    torch.testing.assert_close(log_prob, dist.log_prob(actions), atol=1e-3, rtol=1e-4)


# ---------------------------------------------------------------- DiagGaussian, tanh-squashed


def test_squashed_matches_torch_tanh_transform() -> None:
    dist = DiagGaussian(MEAN, LOG_STD, squash=True)
    reference = td.TransformedDistribution(td.Normal(MEAN, LOG_STD.exp()), [td.TanhTransform()])
    expected = reference.log_prob(SQUASHED_ACTIONS).sum(-1)
    torch.testing.assert_close(dist.log_prob(SQUASHED_ACTIONS), expected, atol=1e-4, rtol=1e-4)


def test_squashed_log_prob_matches_numerical_change_of_variables() -> None:
    mean, log_std = MEAN.double(), LOG_STD.double()
    actions = SQUASHED_ACTIONS.double()
    pre_squash = torch.atanh(actions)
    step = 1e-6
    # |da/du| by central differences, independent of the closed-form correction.
    jacobian = (torch.tanh(pre_squash + step) - torch.tanh(pre_squash - step)) / (2 * step)
    expected = (td.Normal(mean, log_std.exp()).log_prob(pre_squash) - jacobian.log()).sum(-1)
    got = DiagGaussian(mean, log_std, squash=True).log_prob(actions)
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-6)


def test_squashed_density_integrates_to_one() -> None:
    grid = torch.linspace(-1 + 1e-9, 1 - 1e-9, 400_001, dtype=torch.float64)
    dist = DiagGaussian(
        torch.tensor([[0.4]], dtype=torch.float64), torch.tensor([[-0.5]], dtype=torch.float64), True
    )
    density = dist.log_prob(grid.unsqueeze(-1).unsqueeze(-1)).exp().squeeze(-1)
    assert torch.trapezoid(density, grid).item() == pytest.approx(1.0, abs=1e-4)


def test_squashed_correction_is_stable_for_large_pre_squash_values() -> None:
    dist = DiagGaussian(torch.tensor([[30.0, -30.0]]), torch.zeros(1, 2), squash=True)
    _, log_prob = dist.sample_with_log_prob()
    assert torch.isfinite(log_prob).all()
    # Actions at exactly +-1 are clamped before atanh instead of giving inf.
    at_bounds = dist.log_prob(torch.tensor([[1.0, -1.0]]))
    assert torch.isfinite(at_bounds).all()
    torch.testing.assert_close(at_bounds, dist.log_prob(torch.tensor([[1 - SQUASH_EPS, -1 + SQUASH_EPS]])))


def test_squashed_sample_mode_and_entropy() -> None:
    dist = DiagGaussian(MEAN, LOG_STD, squash=True)
    samples = DiagGaussian(MEAN.expand(1000, 2, 2), LOG_STD, squash=True).sample()
    assert samples.abs().max() < 1.0
    torch.testing.assert_close(dist.mode(), torch.tanh(MEAN))
    # The squashed entropy is below the underlying Gaussian's (tanh contracts), and estimated by sampling.
    wide = DiagGaussian(MEAN.expand(20_000, 2, 2), LOG_STD, squash=True)
    assert torch.all(
        wide.entropy(torch.Generator().manual_seed(0)).mean(0) < DiagGaussian(MEAN, LOG_STD).entropy()
    )


def _squashed_entropy_by_quadrature(mean: float, log_std: float) -> float:
    """H[tanh(u)] = H[u] + E_u[log(1 - tanh(u)^2)] for u ~ N(mean, std), by quadrature over u."""
    std = math.exp(log_std)
    u = torch.linspace(mean - 12 * std, mean + 12 * std, 400_001, dtype=torch.float64)
    density = torch.exp(-0.5 * ((u - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))
    # log(1 - tanh(u)^2) in the form that does not round to log(0) for large |u|
    log_jacobian = 2 * (math.log(2) - u.abs() - torch.nn.functional.softplus(-2 * u.abs()))
    expectation = torch.trapezoid(density * log_jacobian, u)
    return 0.5 * math.log(2 * math.pi * math.e) + log_std + float(expectation)


@pytest.mark.parametrize(("mean", "log_std"), [(0.0, -1.0), (0.5, 0.0), (0.0, 2.0)])
def test_squashed_entropy_estimates_the_entropy_of_the_squashed_actions(mean: float, log_std: float) -> None:
    n = 200_000
    dist = DiagGaussian(torch.full((n, 1), mean), torch.full((1,), log_std), squash=True)
    estimate = float(dist.entropy(torch.Generator().manual_seed(0)).mean())
    assert estimate == pytest.approx(_squashed_entropy_by_quadrature(mean, log_std), abs=0.02)
    if log_std >= 2.0:  # the unsquashed entropy (3.4 nats) says nothing about saturated actions (< log 2)
        assert float(DiagGaussian(torch.zeros(1), torch.full((1,), log_std)).entropy()) > estimate + 2.0


def test_squashed_entropy_bonus_does_not_reward_saturation() -> None:
    # Beyond some std, widening the Gaussian pushes tanh(u) to +-1 and lowers the entropy: the bonus's
    # gradient must say so (the unsquashed entropy's gradient is +1 everywhere).
    def gradient(log_std_value: float) -> float:
        log_std = torch.tensor([log_std_value], requires_grad=True)
        dist = DiagGaussian(torch.zeros(50_000, 1), log_std, squash=True)
        dist.entropy(torch.Generator().manual_seed(1)).mean().backward()
        return float(log_std.grad)

    assert gradient(-1.0) > 0.5  # narrow: widening still adds entropy
    assert gradient(1.5) < -0.3  # wide: widening saturates the actions
