"""The adaptation module's estimator: it starts at the parameters' mean, learns in standardized units, and
answers in the parameters' own."""

from __future__ import annotations

import torch

from rlkit.nn.mlp import MLP
from rlkit.nn.parameter_estimator import ParameterEstimator


def estimator() -> ParameterEstimator:
    torch.manual_seed(0)
    return ParameterEstimator(MLP(4, [16]), 4, count=2)


def test_standardizing_uses_the_observed_parameters_mean_and_std() -> None:
    module = estimator()
    parameters = torch.tensor([[10.0, 0.5], [30.0, 1.5]])  # kilograms beside a factor
    module.observe(torch.randn(2, 4), parameters)
    # mean (20, 1), std (10, 0.5): each parameter one std from its mean
    # (the running statistics start from a prior of weight 1e-4: hence the tolerance)
    expected = torch.tensor([[-1.0, -1.0], [1.0, 1.0]])
    torch.testing.assert_close(module.standardize(parameters), expected, atol=1e-3, rtol=0)


def test_an_untrained_estimator_guesses_about_the_mean_in_the_parameters_units() -> None:
    module = estimator()
    module.observe(torch.randn(64, 4), torch.tensor([[10.0, 0.5], [30.0, 1.5]]).repeat(32, 1))
    estimate = module(torch.randn(8, 4))
    assert torch.allclose(estimate, torch.tensor([20.0, 1.0]).expand(8, 2), atol=0.2)
    # forward is the standardized estimate brought back into the units
    standardized = module.standardized(torch.ones(1, 4))
    torch.testing.assert_close(
        module(torch.ones(1, 4)), standardized * torch.tensor([10.0, 0.5]) + torch.tensor([20.0, 1.0])
    )
