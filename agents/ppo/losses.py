"""PPO's losses as pure functions of tensors, each returning ``(loss, metrics)``."""

from __future__ import annotations

import torch


def clipped_surrogate_loss(
    log_probs: torch.Tensor, old_log_probs: torch.Tensor, advantages: torch.Tensor, clip_range: float
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """PPO's clipped policy objective, negated for minimization.

    ``L = -mean(min(r A, clip(r, 1 - ε, 1 + ε) A))`` with ``r = exp(log π - log π_old)``.

    Returns:
        The loss and metrics: ``clip_fraction`` (share of samples where clipping was active) and
        ``approx_kl`` (the low-variance estimator ``mean((r - 1) - log r)`` of KL(π_old || π)).
    """
    log_ratio = log_probs - old_log_probs
    ratio = log_ratio.exp()
    unclipped = ratio * advantages
    clipped = ratio.clamp(1.0 - clip_range, 1.0 + clip_range) * advantages
    loss = -torch.minimum(unclipped, clipped).mean()
    with torch.no_grad():
        clip_fraction = ((ratio - 1.0).abs() > clip_range).float().mean()
        approx_kl = ((ratio - 1.0) - log_ratio).mean()
    return loss, {"clip_fraction": clip_fraction, "approx_kl": approx_kl}


def value_loss(
    values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor, clip_range: float | None
) -> torch.Tensor:
    """Squared error of the value function, optionally with PPO's value clipping.

    With ``clip_range`` set, the new value may move at most ``clip_range`` from the value at collection
    time, and the larger of the clipped and unclipped errors is taken (so clipping never helps the loss).
    The factor 1/2 is left to ``vf_coef``.
    """
    unclipped = (values - returns).square()
    if clip_range is None:
        return unclipped.mean()
    clipped_values = old_values + (values - old_values).clamp(-clip_range, clip_range)
    return torch.maximum(unclipped, (clipped_values - returns).square()).mean()


def normalize_advantages(advantages: torch.Tensor, epsilon: float = 1e-8) -> torch.Tensor:
    """Zero mean, unit standard deviation (a single advantage is left centred only)."""
    if advantages.numel() < 2:
        return advantages - advantages.mean()
    return (advantages - advantages.mean()) / (advantages.std() + epsilon)
