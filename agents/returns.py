"""Return and advantage estimators shared by the policy-gradient family (pure tensor functions)."""

from __future__ import annotations

import torch


def generalized_advantage_estimate(
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_values: torch.Tensor,
    terminated: torch.Tensor,
    dones: torch.Tensor,
    gamma: float,
    gae_lambda: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """GAE(λ) advantages and λ-returns over a (T, N) rollout.

    Termination and truncation are kept apart: a terminated step does not bootstrap (``next_values`` is
    ignored there), a truncated step bootstraps from the value of the episode's true final observation,
    which the caller puts in ``next_values``. Either one ends the episode, so ``dones`` stops the
    recursion from reaching back across the episode boundary.

    Args:
        rewards: (T, N) rewards.
        values: (T, N) V(s_t).
        next_values: (T, N) V(s_{t+1}) of the step's own next state (for an episode that ended at t: the
            value of its final observation, not of the next episode's first).
        terminated: (T, N) 1 where s_{t+1} is terminal.
        dones: (T, N) 1 where the episode ended at t (terminated or truncated).
        gamma: Discount factor.
        gae_lambda: λ of GAE.

    Returns:
        ``(advantages, returns)``, each (T, N), with ``returns = advantages + values``.
    """
    not_terminal = 1.0 - terminated.to(values.dtype)
    continues = 1.0 - dones.to(values.dtype)
    deltas = rewards + gamma * next_values * not_terminal - values
    advantages = torch.empty_like(values)
    running = torch.zeros_like(values[0])
    for t in range(rewards.shape[0] - 1, -1, -1):
        running = deltas[t] + gamma * gae_lambda * continues[t] * running
        advantages[t] = running
    return advantages, advantages + values


def discounted_returns(
    rewards: torch.Tensor,
    next_values: torch.Tensor,
    terminated: torch.Tensor,
    dones: torch.Tensor,
    gamma: float,
) -> torch.Tensor:
    """Monte-Carlo discounted returns to each episode's end over a (T, N) rollout.

    ``G_t = r_t + γ G_{t+1}`` within an episode. An episode that terminated adds nothing after its last
    reward; one that was cut off, by truncation or by the end of the rollout, is bootstrapped there with
    ``next_values`` (the value of its final observation, or of the observation after the rollout). This is
    GAE's λ-return at λ = 1, written as the sum of rewards it is.

    Args:
        rewards: (T, N) rewards.
        next_values: (T, N) V(s_{t+1}); read where a step was truncated and at the rollout's last step.
        terminated: (T, N) 1 where s_{t+1} is terminal.
        dones: (T, N) 1 where the episode ended at t (terminated or truncated).
        gamma: Discount factor.

    Returns:
        (T, N) returns.
    """
    not_terminal = 1.0 - terminated.to(rewards.dtype)
    ended = dones.bool()
    returns = torch.empty_like(rewards)
    running = next_values[-1]  # the tail after the rollout's last step: its bootstrap value
    for t in range(rewards.shape[0] - 1, -1, -1):
        following = torch.where(ended[t], next_values[t], running)
        running = rewards[t] + gamma * not_terminal[t] * following
        returns[t] = running
    return returns
