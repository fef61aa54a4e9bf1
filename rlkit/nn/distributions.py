"""Lightweight action distributions for policies.

Policies build one distribution per environment step, so these classes do only the arithmetic needed:
no argument validation, no broadcasting checks, no ``torch.distributions`` machinery. Values match
``torch.distributions.Categorical`` / ``Normal`` (and ``TanhTransform`` for squashed Gaussians).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F  # noqa: N812  (the conventional alias)

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_HALF_LOG_2PI_E = 0.5 * math.log(2.0 * math.pi * math.e)
_LOG_2 = math.log(2.0)

SQUASH_EPS = 1e-6
"""Squashed actions are clamped to ``(-1 + SQUASH_EPS, 1 - SQUASH_EPS)`` before ``atanh`` in ``log_prob``."""


class Categorical:
    """A categorical distribution over the last dimension of ``logits``.

    Actions are ``int64`` indices with the batch shape ``logits.shape[:-1]``. Logits may contain ``-inf``
    to mask out actions; such actions are never sampled and contribute nothing to the entropy.

    Attributes:
        logits: The unnormalised logits passed in, shape ``(..., num_actions)``.
    """

    __slots__ = ("_log_probs", "logits")

    def __init__(self, logits: torch.Tensor) -> None:
        """Wrap logits; nothing is computed until a method needs it.

        Args:
            logits: Unnormalised log-probabilities, shape ``(..., num_actions)``.
        """
        self.logits = logits
        self._log_probs: torch.Tensor | None = None

    @property
    def log_probs(self) -> torch.Tensor:
        """Normalised log-probabilities of every action, shape ``(..., num_actions)``."""
        if self._log_probs is None:
            self._log_probs = self.logits.log_softmax(dim=-1)
        return self._log_probs

    @property
    def probs(self) -> torch.Tensor:
        """Probabilities of every action, shape ``(..., num_actions)``."""
        return self.log_probs.exp()

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw one action per batch entry.

        Args:
            generator: Random generator to draw from; the global one if ``None``.

        Returns:
            ``int64`` actions of shape ``logits.shape[:-1]``.
        """
        logits = self.logits.detach()
        # Gumbel-max trick: argmax(logits + G) with G = -log(-log(U)) is an exact categorical sample and
        # several times cheaper than softmax + multinomial on small batches. U in [0, 1) makes -log(U) lie
        # in (0, inf], so G is never NaN and masked (-inf) logits stay -inf.
        uniform = torch.empty_like(logits).uniform_(generator=generator)
        return (logits - uniform.log_().neg_().log_()).argmax(dim=-1)

    def mode(self) -> torch.Tensor:
        """The most likely action, ``int64`` of shape ``logits.shape[:-1]``."""
        return self.logits.argmax(dim=-1)

    def log_prob(self, actions: torch.Tensor) -> torch.Tensor:
        """Log-probability of ``actions``.

        Args:
            actions: Action indices (any integer or float dtype holding whole numbers), shape
                ``logits.shape[:-1]``.

        Returns:
            Log-probabilities of shape ``logits.shape[:-1]``.
        """
        return self.log_probs.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)

    def entropy(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """Entropy in nats, shape ``logits.shape[:-1]`` (exact; ``generator`` is unused, as the Gaussian's
        squashed estimate takes one)."""
        log_probs = self.log_probs
        # Masked actions have p = 0 and log p = -inf; clamping makes their term 0 * finite = 0, not NaN.
        finite_log_probs = log_probs.clamp(min=torch.finfo(log_probs.dtype).min)
        return -(log_probs.exp() * finite_log_probs).sum(dim=-1)


class DiagGaussian:
    """A Gaussian with diagonal covariance over the last dimension, optionally squashed by ``tanh``.

    With ``squash=True`` the action is ``a = tanh(u)`` for a Gaussian ``u``, so actions lie in ``(-1, 1)``
    (SAC-style policies); ``log_prob`` then includes the change-of-variables term
    ``-sum log(1 - tanh(u)^2)``, computed in the stable form ``2 * (log 2 - u - softplus(-2u))``.

    ``log_std`` may have fewer leading dims than ``mean`` (e.g. a state-independent ``(action_dim,)``
    parameter) and is broadcast against it.

    Attributes:
        mean: Mean of the Gaussian (before squashing), shape ``(..., action_dim)``.
        log_std: Log standard deviation, broadcastable to ``mean``.
        squash: Whether actions are ``tanh`` of the Gaussian sample.
    """

    __slots__ = ("log_std", "mean", "squash")

    def __init__(self, mean: torch.Tensor, log_std: torch.Tensor, squash: bool = False) -> None:
        """Wrap the parameters; nothing is computed until a method needs it.

        Args:
            mean: Mean of the Gaussian, shape ``(..., action_dim)``.
            log_std: Log standard deviation, broadcastable to ``mean``.
            squash: Whether to squash samples (and the mode) with ``tanh``.
        """
        self.mean = mean
        self.log_std = log_std
        self.squash = squash

    @property
    def std(self) -> torch.Tensor:
        """Standard deviation, same shape as ``log_std``."""
        return self.log_std.exp()

    def _noise(self, generator: torch.Generator | None) -> torch.Tensor:
        mean = self.mean
        return torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw a reparameterised sample: gradients flow to ``mean`` and ``log_std``.

        Args:
            generator: Random generator to draw from; the global one if ``None``.

        Returns:
            Actions of shape ``mean.shape``, in ``(-1, 1)`` if squashed.
        """
        pre_squash = self.mean + self.log_std.exp() * self._noise(generator)
        return torch.tanh(pre_squash) if self.squash else pre_squash

    rsample = sample

    def sample_with_log_prob(
        self, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw a reparameterised sample and its log-probability in one pass.

        For squashed distributions this is more accurate than ``log_prob(sample())``: it uses the
        pre-``tanh`` value directly instead of recovering it with ``atanh`` from a clamped action.

        Args:
            generator: Random generator to draw from; the global one if ``None``.

        Returns:
            ``(actions, log_prob)`` with shapes ``mean.shape`` and ``mean.shape[:-1]``.
        """
        noise = self._noise(generator)
        pre_squash = self.mean + self.log_std.exp() * noise
        # (u - mean) / std is exactly the noise, so skip the division.
        log_density = -0.5 * noise.square() - self.log_std - _HALF_LOG_2PI
        if not self.squash:
            return pre_squash, log_density.sum(dim=-1)
        log_density = log_density - _log_tanh_derivative(pre_squash)
        return torch.tanh(pre_squash), log_density.sum(dim=-1)

    def mode(self) -> torch.Tensor:
        """The deterministic action: the mean, ``tanh``-squashed if ``squash``."""
        return torch.tanh(self.mean) if self.squash else self.mean

    def log_prob(self, actions: torch.Tensor) -> torch.Tensor:
        """Log-density of ``actions``, summed over the action dimension.

        For squashed distributions the actions are clamped to ``(-1 + SQUASH_EPS, 1 - SQUASH_EPS)`` and
        mapped back with ``atanh``, so actions of exactly +-1 give a finite value.

        Args:
            actions: Actions of shape ``(..., action_dim)`` broadcastable to ``mean``.

        Returns:
            Log-densities of shape ``mean.shape[:-1]``.
        """
        if not self.squash:
            return self._gaussian_log_density(actions).sum(dim=-1)
        pre_squash = torch.atanh(actions.clamp(-1.0 + SQUASH_EPS, 1.0 - SQUASH_EPS))
        return (self._gaussian_log_density(pre_squash) - _log_tanh_derivative(pre_squash)).sum(dim=-1)

    def entropy(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """Entropy of the action distribution, summed over the action dimension, shape ``mean.shape[:-1]``.

        Exact (closed form) when ``squash`` is False. A ``tanh``-squashed Gaussian has no closed form, and the
        unsquashed Gaussian's entropy is no proxy for it: it keeps growing with ``log_std`` while the
        squashed actions pile up at +-1 and their entropy collapses, so a bonus on it drives policies to
        bang-bang actions. For a squashed Gaussian this returns ``-log pi(a)`` of one reparameterised sample
        ``a`` per state, an unbiased estimate of the entropy and of its gradient (``-E[log pi(a|s)]``, the
        estimate Stable-Baselines3 uses for squashed distributions).

        Args:
            generator: Random generator for the squashed estimate's sample; the global one if ``None``.
        """
        if self.squash:
            return -self.sample_with_log_prob(generator)[1]
        per_dim = self.log_std + _HALF_LOG_2PI_E
        return per_dim.expand(self.mean.shape).sum(dim=-1)

    def _gaussian_log_density(self, values: torch.Tensor) -> torch.Tensor:
        """Per-dimension Gaussian log-density of pre-squash ``values``."""
        z = (values - self.mean) * torch.exp(-self.log_std)
        return -0.5 * z.square() - self.log_std - _HALF_LOG_2PI


def _log_tanh_derivative(pre_squash: torch.Tensor) -> torch.Tensor:
    """``log(1 - tanh(u)^2)`` without the cancellation that ``1 - tanh(u)^2`` suffers for large ``|u|``."""
    return 2.0 * (_LOG_2 - pre_squash - F.softplus(-2.0 * pre_squash))
