"""TD3's target and actor loss as pure functions of tensors; the critics' loss is SAC's
(:func:`rlkit.agents.sac.losses.critic_loss`)."""

from __future__ import annotations

import torch


def smoothed_target_actions(
    target_actions: torch.Tensor, noise: torch.Tensor, noise_clip: float
) -> torch.Tensor:
    """Target policy smoothing: ``clip(μ'(s') + clip(ε, -c, c), -1, 1)``.

    Noise on the target action makes the target an average of Q over nearby actions, so the critics cannot
    exploit a narrow peak of their own error; clipping it keeps the target close to the target actor's action.
    Actions are in the actor's ``[-1, 1]`` units.

    Args:
        target_actions: (B, A) the target actor's actions at ``s'``.
        noise: (B, A) unclipped Gaussian noise ``ε``.
        noise_clip: ``c``, the noise is clipped to ``[-c, c]``.
    """
    return (target_actions + noise.clamp(-noise_clip, noise_clip)).clamp(-1.0, 1.0)


def clipped_double_q_target(
    rewards: torch.Tensor,
    next_q1: torch.Tensor,
    next_q2: torch.Tensor,
    terminated: torch.Tensor,
    gamma: float,
) -> torch.Tensor:
    """The clipped double-Q target ``r + γ (1 - terminal) min(Q1', Q2')``.

    ``Q1', Q2'`` are the target critics at ``(s', ã')`` with ``ã'`` the smoothed target action; the minimum
    counters Q overestimation. Truncated transitions are not terminal and bootstrap.

    Args:
        rewards: (B,) rewards.
        next_q1: (B,) first target critic.
        next_q2: (B,) second target critic.
        terminated: (B,) 1 where s' is terminal.
        gamma: Discount factor.
    """
    return rewards + gamma * (1.0 - terminated.to(rewards.dtype)) * torch.minimum(next_q1, next_q2)


def deterministic_actor_loss(q1: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``-mean Q1(s, μ(s))``: the deterministic policy gradient through the first critic only.

    Returns:
        The loss and metrics: ``q_pi`` (mean ``Q1(s, μ(s))``).
    """
    return -q1.mean(), {"q_pi": q1.detach().mean()}
