"""DQN's targets and loss as pure functions of tensors."""

from __future__ import annotations

from typing import Protocol

import torch
import torch.nn.functional as F  # noqa: N812


class ElementwiseLoss(Protocol):
    """A regression loss of ``torch.nn.functional`` (``smooth_l1_loss``, ``mse_loss``): the mean, or with
    ``reduction="none"`` the per-element losses."""

    def __call__(
        self, input: torch.Tensor, target: torch.Tensor, /, *, reduction: str = "mean"
    ) -> torch.Tensor:
        """The loss of ``input`` against ``target``."""
        ...


def td_loss_function(loss: str) -> ElementwiseLoss:
    """The TD loss ``loss`` names: ``huber`` (smooth L1, δ = 1) or ``mse``.

    Raises:
        ValueError: Another name.
    """
    if loss == "huber":
        return F.smooth_l1_loss
    if loss == "mse":
        return F.mse_loss
    raise ValueError(f"unknown loss '{loss}' (valid: huber, mse)")


def td_target(
    rewards: torch.Tensor,
    next_q_online: torch.Tensor,
    next_q_target: torch.Tensor,
    terminated: torch.Tensor,
    gamma: float | torch.Tensor,
    double_q: bool = True,
) -> torch.Tensor:
    """The bootstrapped target ``r + γ (1 - terminal) Q_target(s', a*)``.

    Double DQN picks ``a* = argmax_a Q_online(s', a)`` and evaluates it with the target network, which
    removes the max operator's overestimation; plain DQN uses ``max_a Q_target(s', a)``. Truncated
    transitions are not terminal and do bootstrap.

    Args:
        rewards: (B,) rewards.
        next_q_online: (B, A) online-network Q-values at s' (unused unless ``double_q``).
        next_q_target: (B, A) target-network Q-values at s'.
        terminated: (B,) 1 where s' is terminal.
        gamma: Discount factor, or (B,) per-transition ``γ^k`` for n-step transitions summing ``k`` rewards.
        double_q: Use the Double-DQN action selection.
    """
    if double_q:
        best = next_q_online.argmax(dim=1, keepdim=True)
        next_value = next_q_target.gather(1, best).squeeze(1)
    else:
        next_value = next_q_target.max(dim=1).values
    return rewards + gamma * (1.0 - terminated.to(rewards.dtype)) * next_value


def q_learning_loss(
    q_taken: torch.Tensor, target: torch.Tensor, loss: str = "huber", weights: torch.Tensor | None = None
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Huber (smooth L1, δ = 1) or squared TD error between ``Q(s, a)`` and a fixed target.

    Args:
        q_taken: (B,) ``Q(s, a)`` of the actions taken.
        target: (B,) targets (not differentiated).
        loss: ``huber`` or ``mse``.
        weights: (B,) importance-sampling weights of prioritized replay (None: a plain mean).

    Returns:
        ``(loss, info)``; ``info`` holds ``q_mean`` and the (B,) ``td_error`` ``target - q_taken``.
    """
    target = target.detach()
    function = td_loss_function(loss)
    if weights is None:
        value = function(q_taken, target)
    else:
        value = (weights * function(q_taken, target, reduction="none")).mean()
    return value, {"q_mean": q_taken.detach().mean(), "td_error": (target - q_taken).detach()}
