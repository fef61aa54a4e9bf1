"""PPO's losses as pure functions of tensors, each returning ``(loss, metrics)``."""

from __future__ import annotations

import torch


def masked_mean(values: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """The mean of ``values`` over the samples where ``mask`` is true (all of them for None; 0 for none)."""
    if mask is None:
        return values.mean()
    weights = mask.to(values.dtype)
    return (values * weights).sum() / weights.sum().clamp(min=1.0)


def clipped_surrogate_loss(
    log_probs: torch.Tensor,
    old_log_probs: torch.Tensor,
    advantages: torch.Tensor,
    clip_range: float,
    acting: torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """PPO's clipped policy objective, negated for minimization.

    ``L = -mean(min(r A, clip(r, 1 - ε, 1 + ε) A))`` with ``r = exp(log π - log π_old)``, the mean over the
    samples where ``acting`` is true (None: all): a multi-agent row whose agent did not act (not on turn)
    chose nothing to learn from.

    Returns:
        The loss and metrics: ``clip_fraction`` (share of samples where clipping was active) and
        ``approx_kl`` (the low-variance estimator ``mean((r - 1) - log r)`` of KL(π_old || π)).
    """
    log_ratio = log_probs - old_log_probs
    ratio = log_ratio.exp()
    unclipped = ratio * advantages
    clipped = ratio.clamp(1.0 - clip_range, 1.0 + clip_range) * advantages
    loss = -masked_mean(torch.minimum(unclipped, clipped), acting)
    with torch.no_grad():
        clip_fraction = masked_mean(((ratio - 1.0).abs() > clip_range).float(), acting)
        approx_kl = masked_mean((ratio - 1.0) - log_ratio, acting)
    return loss, {"clip_fraction": clip_fraction, "approx_kl": approx_kl}


def value_loss(
    values: torch.Tensor,
    old_values: torch.Tensor,
    returns: torch.Tensor,
    clip_range: float | None,
    huber_delta: float | None = None,
) -> torch.Tensor:
    """Squared error of the value function (Huber's with ``huber_delta``), optionally with PPO's value
    clipping.

    With ``clip_range`` set, the new value may move at most ``clip_range`` from the value at collection
    time, and the larger of the clipped and unclipped errors is taken (so clipping never helps the loss).
    The factor 1/2 is left to ``vf_coef``, for Huber's loss too: an error ``e`` costs ``e²`` up to
    ``huber_delta`` and ``2 δ |e| - δ²`` beyond it (twice Huber's ``e²/2``, so that it matches the squared
    error where both are quadratic), which bounds a single outlying target's gradient.
    """

    def error(predicted: torch.Tensor) -> torch.Tensor:
        if huber_delta is None:
            return (predicted - returns).square()
        return 2.0 * torch.nn.functional.huber_loss(predicted, returns, reduction="none", delta=huber_delta)

    unclipped = error(values)
    if clip_range is None:
        return unclipped.mean()
    clipped_values = old_values + (values - old_values).clamp(-clip_range, clip_range)
    return torch.maximum(unclipped, error(clipped_values)).mean()


def normalize_advantages(
    advantages: torch.Tensor, epsilon: float = 1e-8, acting: torch.Tensor | None = None
) -> torch.Tensor:
    """Zero mean, unit standard deviation (a single advantage is left centred only), with the statistics of
    the samples where ``acting`` is true (None: all)."""
    counted = advantages if acting is None else advantages[acting]
    if counted.numel() == 0:
        return advantages
    if counted.numel() < 2:
        return advantages - counted.mean()
    return (advantages - counted.mean()) / (counted.std() + epsilon)
