"""A linear layer with learned, factorized Gaussian parameter noise (Fortunato et al., 2018, "Noisy Networks
for Exploration").

The weights are ``μ + σ ⊙ ε``: ``μ`` and ``σ`` are learned, ``ε`` is fresh noise drawn by
:meth:`NoisyLinear.reset_noise`. Factorized noise draws one vector per input (``p`` values) and one per output
(``q`` values) instead of ``p·q`` independent values: ``ε_w = f(ε_out) f(ε_in)ᵀ`` and ``ε_b = f(ε_out)`` with
``f(x) = sgn(x) √|x|``. The noise lives in buffers, so a module's ``state_dict`` carries the noise it acts
with and a restored network computes exactly what the saved one did.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn


def scaled_noise(size: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """``f(x) = sgn(x) √|x|`` of ``size`` standard-normal draws, the factor noise of a NoisyLinear."""
    device = generator.device if generator is not None else None
    noise = torch.randn(size, generator=generator, device=device)
    return noise.sign() * noise.abs().sqrt()


class NoisyLinear(nn.Module):
    """``y = (μ_w + σ_w ⊙ ε_w) x + μ_b + σ_b ⊙ ε_b`` with factorized Gaussian ``ε``.

    Initialisation follows the paper's factorized variant: ``μ ~ U(-1/√p, 1/√p)`` and ``σ = σ₀/√p`` for
    ``p`` inputs. In training mode the layer uses its current noise; in eval mode (``module.eval()``) it uses
    the mean weights ``μ`` alone, the noise-free policy. The noise starts at zero, so call
    :meth:`reset_noise` before acting.

    Attributes:
        in_features: ``p``, the input size.
        out_features: ``q``, the output size.
        weight_mu, weight_sigma: ``(q, p)`` learned mean and scale of the weights.
        bias_mu, bias_sigma: ``(q,)`` learned mean and scale of the bias.
        weight_epsilon, bias_epsilon: The current noise (buffers).
    """

    weight_epsilon: torch.Tensor
    bias_epsilon: torch.Tensor

    def __init__(self, in_features: int, out_features: int, sigma0: float = 0.5) -> None:
        """Build the layer.

        Args:
            in_features: Size of the input.
            out_features: Size of the output.
            sigma0: ``σ₀``; every ``σ`` starts at ``σ₀/√in_features``.

        Raises:
            ValueError: If a size is not positive or ``sigma0`` is negative.
        """
        super().__init__()
        if in_features <= 0 or out_features <= 0:
            raise ValueError(f"NoisyLinear sizes must be positive, got {in_features} -> {out_features}")
        if sigma0 < 0:
            raise ValueError(f"NoisyLinear sigma0 must be non-negative, got {sigma0}")
        self.in_features = in_features
        self.out_features = out_features
        bound = 1.0 / math.sqrt(in_features)
        sigma = sigma0 / math.sqrt(in_features)
        self.weight_mu = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.weight_sigma = nn.Parameter(torch.full((out_features, in_features), sigma))
        self.bias_mu = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))
        self.bias_sigma = nn.Parameter(torch.full((out_features,), sigma))
        self.register_buffer("weight_epsilon", torch.zeros(out_features, in_features))
        self.register_buffer("bias_epsilon", torch.zeros(out_features))

    @torch.no_grad()
    def reset_noise(self, generator: torch.Generator | None = None) -> None:
        """Draw new factorized noise (from ``generator`` when given, else torch's global stream)."""
        noise_in = scaled_noise(self.in_features, generator).to(self.weight_epsilon.device)
        noise_out = scaled_noise(self.out_features, generator).to(self.weight_epsilon.device)
        self.weight_epsilon.copy_(torch.outer(noise_out, noise_in))
        self.bias_epsilon.copy_(noise_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the noisy layer (training mode) or its mean (eval mode) to ``(..., in_features)``."""
        if not self.training:
            return F.linear(x, self.weight_mu, self.bias_mu)
        weight = self.weight_mu + self.weight_sigma * self.weight_epsilon
        bias = self.bias_mu + self.bias_sigma * self.bias_epsilon
        return F.linear(x, weight, bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}"


def reset_noise(module: nn.Module, generator: torch.Generator | None = None) -> None:
    """Resample the noise of every :class:`NoisyLinear` inside ``module`` (in module order)."""
    for layer in module.modules():
        if isinstance(layer, NoisyLinear):
            layer.reset_noise(generator)
