"""SAC's target and losses as pure functions of tensors, each loss returning ``(loss, metrics)``."""

from __future__ import annotations

import torch


def soft_q_target(
    rewards: torch.Tensor,
    next_q1: torch.Tensor,
    next_q2: torch.Tensor,
    next_log_probs: torch.Tensor,
    terminated: torch.Tensor,
    gamma: float,
    alpha: float | torch.Tensor,
) -> torch.Tensor:
    """The soft Bellman target ``r + γ (1 - terminal) (min(Q1', Q2') - α log π(a'|s'))``.

    ``a' ~ π(·|s')`` is sampled from the current actor and ``Q1', Q2'`` come from the target critics; the
    minimum of the two counters Q overestimation (clipped double Q). Truncated transitions are not terminal
    and bootstrap.

    Args:
        rewards: (B,) rewards.
        next_q1: (B,) first target critic at ``(s', a')``.
        next_q2: (B,) second target critic at ``(s', a')``.
        next_log_probs: (B,) ``log π(a'|s')``.
        terminated: (B,) 1 where s' is terminal.
        gamma: Discount factor.
        alpha: Entropy coefficient.
    """
    soft_value = torch.minimum(next_q1, next_q2) - alpha * next_log_probs
    return rewards + gamma * (1.0 - terminated.to(rewards.dtype)) * soft_value


def critic_loss(
    q1: torch.Tensor, q2: torch.Tensor, target: torch.Tensor
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``½ (mean (Q1 - y)² + mean (Q2 - y)²)`` for both critics against one fixed target ``y``.

    Returns:
        The loss and metrics: ``q_mean`` (mean of both critics' values).
    """
    target = target.detach()
    loss = 0.5 * ((q1 - target).square().mean() + (q2 - target).square().mean())
    return loss, {"q_mean": 0.5 * (q1.detach().mean() + q2.detach().mean())}


def actor_loss(
    log_probs: torch.Tensor, q1: torch.Tensor, q2: torch.Tensor, alpha: float | torch.Tensor
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``mean(α log π(a|s) - min(Q1(s, a), Q2(s, a)))`` for reparameterized ``a ~ π(·|s)``.

    Returns:
        The loss and metrics: ``entropy`` (the sample estimate ``-mean log π``).
    """
    loss = (alpha * log_probs - torch.minimum(q1, q2)).mean()
    return loss, {"entropy": -log_probs.detach().mean()}


def entropy_coef_loss(
    log_alpha: torch.Tensor, log_probs: torch.Tensor, target_entropy: float
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``-mean(log α · (log π + H_target))``: raises α while the entropy ``-log π`` is below the target.

    The gradient with respect to ``log α`` is ``mean(-log π) - H_target``, so gradient descent moves log α
    down when the policy is more random than the target and up when it is less.

    Returns:
        The loss and metrics: ``ent_coef`` (α).
    """
    loss = -(log_alpha * (log_probs.detach() + target_entropy)).mean()
    return loss, {"ent_coef": log_alpha.detach().exp().mean()}
