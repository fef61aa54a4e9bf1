"""NoisyLinear: initialisation as in Fortunato et al., factorized noise, determinism from a generator."""

from __future__ import annotations

import math

import pytest
import torch

from rlkit.nn import NoisyLinear, reset_noise


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_init_follows_the_factorized_recipe() -> None:
    layer = NoisyLinear(16, 3, sigma0=0.5)
    bound = 1 / math.sqrt(16)
    assert layer.weight_mu.abs().max() <= bound and layer.bias_mu.abs().max() <= bound
    assert torch.all(layer.weight_sigma == 0.5 / 4) and torch.all(layer.bias_sigma == 0.5 / 4)
    assert torch.all(layer.weight_epsilon == 0)  # no noise until reset_noise


def test_noise_is_factorized_with_signed_square_root() -> None:
    layer = NoisyLinear(4, 3)
    layer.reset_noise(generator(7))
    g = generator(7)
    noise_in, noise_out = torch.randn(4, generator=g), torch.randn(3, generator=g)

    def f(x: torch.Tensor) -> torch.Tensor:
        return x.sign() * x.abs().sqrt()

    torch.testing.assert_close(layer.weight_epsilon, torch.outer(f(noise_out), f(noise_in)))
    torch.testing.assert_close(layer.bias_epsilon, f(noise_out))
    assert torch.linalg.matrix_rank(layer.weight_epsilon) == 1


def test_noise_is_deterministic_given_the_generator_seed() -> None:
    layer = NoisyLinear(5, 2)
    layer.reset_noise(generator(1))
    first = layer.weight_epsilon.clone()
    layer.reset_noise(generator(1))
    assert torch.equal(layer.weight_epsilon, first)
    layer.reset_noise(generator(2))
    assert not torch.equal(layer.weight_epsilon, first)


def test_training_mode_is_noisy_eval_mode_uses_the_means() -> None:
    layer = NoisyLinear(3, 2, sigma0=1.0)
    reset_noise(torch.nn.Sequential(layer), generator(0))
    x = torch.randn(4, 3)
    noisy = layer(x)
    expected = x @ (layer.weight_mu + layer.weight_sigma * layer.weight_epsilon).T
    torch.testing.assert_close(noisy, expected + layer.bias_mu + layer.bias_sigma * layer.bias_epsilon)
    layer.eval()
    torch.testing.assert_close(layer(x), x @ layer.weight_mu.T + layer.bias_mu)
    layer.train()
    noisy.sum().backward()
    assert layer.weight_sigma.grad is not None and layer.weight_sigma.grad.abs().sum() > 0


def test_invalid_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match="positive"):
        NoisyLinear(0, 2)
