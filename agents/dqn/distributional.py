"""Categorical (C51) distributional Q-learning (Bellemare et al., 2017) as pure functions of tensors.

The return of each action is a categorical distribution on a fixed support of ``N`` atoms
``z_j = v_min + j Δz``, ``Δz = (v_max - v_min) / (N - 1)``. The target distribution of ``r + γ^k Z(s', a*)``
is projected back onto the support and the online distribution is fitted to it by cross-entropy.
"""

from __future__ import annotations

import torch


def categorical_support(
    v_min: float, v_max: float, num_atoms: int, device: torch.device | None = None
) -> torch.Tensor:
    """The ``num_atoms`` evenly spaced atoms from ``v_min`` to ``v_max`` (both included)."""
    if num_atoms < 2 or not v_min < v_max:
        raise ValueError(
            f"a categorical support needs num_atoms >= 2 and v_min < v_max, got {num_atoms}, {v_min}, {v_max}"
        )
    return torch.linspace(v_min, v_max, num_atoms, device=device)


def expected_q(logits: torch.Tensor, support: torch.Tensor) -> torch.Tensor:
    """Q-values ``Σ_j softmax(logits)_j z_j`` from ``(..., A, N)`` atom logits: ``(..., A)``."""
    return (logits.softmax(dim=-1) * support).sum(dim=-1)


def project_distribution(
    next_probs: torch.Tensor, rewards: torch.Tensor, discounts: torch.Tensor, support: torch.Tensor
) -> torch.Tensor:
    """Project the distribution of ``r + discount · Z`` onto ``support`` (the C51 target).

    Each atom ``z_j`` moves to ``Tz_j = r + discount · z_j``, clipped to ``[v_min, v_max]``; its probability
    is split between the two support points around ``Tz_j`` in proportion to closeness (all of it to one
    point when ``Tz_j`` lands exactly on it).

    Args:
        next_probs: (B, N) probabilities of ``Z(s', a*)``.
        rewards: (B,) (n-step) rewards.
        discounts: (B,) ``γ^k (1 - terminated)``: 0 for a terminal transition, whose target is all on ``r``.
        support: (N,) evenly spaced atoms.

    Returns:
        (B, N) target probabilities (each row sums to the row of ``next_probs``).
    """
    num_atoms = support.shape[0]
    v_min, v_max = support[0], support[-1]
    delta = (v_max - v_min) / (num_atoms - 1)
    moved = (rewards.unsqueeze(1) + discounts.unsqueeze(1) * support.unsqueeze(0)).clamp(v_min, v_max)
    position = ((moved - v_min) / delta).clamp(0, num_atoms - 1)
    lower = position.floor()
    upper = position.ceil()
    lower_mass = next_probs * (upper - position)
    upper_mass = next_probs * (position - lower)
    # On a support point both shares above are 0: give it the whole mass.
    lower_mass = torch.where(lower == upper, next_probs, lower_mass)
    target = torch.zeros_like(next_probs)
    target.scatter_add_(1, lower.long(), lower_mass)
    target.scatter_add_(1, upper.long(), upper_mass)
    return target


def categorical_loss(
    logits_taken: torch.Tensor, target_probs: torch.Tensor, weights: torch.Tensor | None = None
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Cross-entropy ``-Σ_j m_j log p_j(s, a)`` between a fixed target and the taken action's distribution.

    Args:
        logits_taken: (B, N) atom logits of the actions taken.
        target_probs: (B, N) projected target probabilities (not differentiated).
        weights: (B,) importance-sampling weights of prioritized replay (None: a plain mean).

    Returns:
        ``(loss, info)``; ``info`` holds the (B,) per-transition ``cross_entropy`` (the prioritized-replay
        priority).
    """
    cross_entropy = -(target_probs.detach() * logits_taken.log_softmax(dim=-1)).sum(dim=-1)
    value = cross_entropy.mean() if weights is None else (weights * cross_entropy).mean()
    return value, {"cross_entropy": cross_entropy.detach()}
