"""The policy-gradient objective of REINFORCE with a baseline (shared by A2C), as pure tensor functions."""

from __future__ import annotations

import torch

from rlkit.agents.ppo.losses import value_loss


def policy_gradient_loss(log_probs: torch.Tensor, advantages: torch.Tensor) -> torch.Tensor:
    """The score-function estimator, negated for minimization: ``L = -mean(log π(a|s) · A)``.

    The advantages are constants (detached): only the log-probabilities carry the gradient.
    """
    return -(log_probs * advantages.detach()).mean()


def actor_critic_loss(
    log_probs: torch.Tensor,
    entropy: torch.Tensor,
    values: torch.Tensor,
    advantages: torch.Tensor,
    returns: torch.Tensor,
    vf_coef: float,
    ent_coef: float,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Policy gradient + ``vf_coef`` · squared error of V(s) to the returns − ``ent_coef`` · entropy.

    Args:
        log_probs: (B,) log π(a|s) of the taken actions.
        entropy: (B,) entropy of π(·|s).
        values: (B,) V(s) under the current network.
        advantages: (B,) advantage estimates (constants).
        returns: (B,) regression targets of V (constants).
        vf_coef: Weight of the value loss.
        ent_coef: Weight of the entropy bonus.

    Returns:
        The loss and its detached terms ``loss/policy``, ``loss/value`` and ``loss/entropy`` (mean entropy).
    """
    policy = policy_gradient_loss(log_probs, advantages)
    value = value_loss(values, values, returns.detach(), None)
    mean_entropy = entropy.mean()
    loss = policy + vf_coef * value - ent_coef * mean_entropy
    terms = {"loss/policy": policy, "loss/value": value, "loss/entropy": mean_entropy}
    return loss, {name: term.detach() for name, term in terms.items()}
