"""R2D2's value rescaling, n-step sequence targets, masked sequence loss and sequence priorities, as pure
functions of tensors. Per-step tensors are time-major ``(T, B)``."""

from __future__ import annotations

import torch

from rlkit.agents.dqn.losses import td_loss_function


def value_rescale(x: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    """``h(x) = sign(x) (sqrt(|x| + 1) - 1) + ε x``: squashes large returns so one network fits all scales."""
    return torch.sign(x) * (torch.sqrt(x.abs() + 1.0) - 1.0) + eps * x


def inverse_value_rescale(x: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    """``h⁻¹(x) = sign(x) (((sqrt(1 + 4ε(|x| + 1 + ε)) - 1) / 2ε)² - 1)``, the exact inverse of
    :func:`value_rescale` (Pohlen et al., 2018)."""
    root = (torch.sqrt(1.0 + 4.0 * eps * (x.abs() + 1.0 + eps)) - 1.0) / (2.0 * eps)
    return torch.sign(x) * (root.square() - 1.0)


def n_step_sequence_targets(
    rewards: torch.Tensor,
    terminated: torch.Tensor,
    ends: torch.Tensor,
    bootstrap_values: torch.Tensor,
    gamma: float,
    n: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """n-step returns for every step of a batch of sequences, from the sequence's own steps only.

    For step ``t`` the sum ``r_t + γ r_{t+1} + … + γ^{k-1} r_{t+k-1}`` runs over ``k = min(n, T-1-t)`` steps,
    or fewer when the episode ends at step ``t+j < t+k`` (``ends``): a terminal end stops it with no
    bootstrap; a cut-off end (time limit) bootstraps ``γ^{j+1} V_{t+j+1}``, the next stored step being the
    episode's final observation. Otherwise it bootstraps ``γ^k V_{t+k}``. The last step of a sequence has
    no next step to bootstrap from and gets no target (``k = 0``).

    Args:
        rewards: (T, B) rewards.
        terminated: (T, B) the episode ended in a terminal state after this step.
        ends: (T, B) the episode ended (terminal or cut off) after this step.
        bootstrap_values: (T, B) the value to bootstrap from at each step (Double DQN: the target
            network's Q of the online network's greedy action), unscaled.
        gamma: Discount factor.
        n: Rewards summed at most.

    Returns:
        ``(targets, has_target)``, both (T, B); ``targets`` is 0 where ``has_target`` is False.
    """
    steps = rewards.shape[0]
    dtype = rewards.dtype
    time = torch.arange(steps, device=rewards.device).unsqueeze(1)  # (T, 1)
    window = torch.clamp(steps - 1 - time, max=n)  # k(t) = min(n, T-1-t)
    returns = torch.zeros_like(rewards)
    open_ = torch.ones_like(rewards, dtype=torch.bool)  # the sum is still running
    boot_index = torch.zeros_like(rewards, dtype=torch.long)
    boot_discount = torch.zeros_like(rewards)
    for j in range(n):
        active = open_ & (j < window)
        index = (time + j).clamp(max=steps - 1).expand_as(rewards)
        r = rewards.gather(0, index)
        returns = returns + torch.where(active, gamma**j * r, torch.zeros_like(r))
        ended = active & ends.gather(0, index).bool()
        cut_off = ended & ~terminated.gather(0, index).bool()
        # A cut-off episode's final observation is the next stored step: bootstrap from it.
        boot_index = torch.where(cut_off, index + 1, boot_index)
        boot_discount = torch.where(cut_off, torch.full_like(r, gamma ** (j + 1)), boot_discount)
        open_ = open_ & ~ended
    still_open = open_ & (window > 0)
    boot_index = torch.where(still_open, (time + window).expand_as(rewards), boot_index)
    boot_discount = torch.where(still_open, gamma ** window.to(dtype).expand_as(rewards), boot_discount)
    boot = bootstrap_values.gather(0, boot_index.clamp(max=steps - 1))
    has_target = (window > 0).expand_as(rewards)
    targets = torch.where(has_target, returns + boot_discount * boot, torch.zeros_like(returns))
    return targets, has_target


def masked_sequence_loss(
    q_taken: torch.Tensor,
    targets: torch.Tensor,
    mask: torch.Tensor,
    weights: torch.Tensor | None = None,
    loss: str = "huber",
) -> tuple[torch.Tensor, torch.Tensor]:
    """The TD loss averaged over each sequence's masked-in steps, weighted per sequence, averaged over
    sequences.

    Masked-out steps (burn-in, final observations, padding, steps with no target) contribute exactly nothing,
    whatever their values: they are selected away, not multiplied by 0 (which would keep a NaN).

    Args:
        q_taken: (T, B) ``Q(s_t, a_t)``.
        targets: (T, B) targets (not differentiated).
        mask: (T, B) 1 (or True) where the step counts.
        weights: (B,) importance-sampling weights (None: 1).
        loss: ``huber`` (smooth L1, δ = 1) or ``mse``.

    Returns:
        ``(loss, td_error)``: the scalar loss and the (T, B) detached ``targets - q_taken`` (0 where masked
        out).
    """
    function = td_loss_function(loss)
    keep = mask.bool()
    zeros = torch.zeros_like(q_taken)
    q = torch.where(keep, q_taken, zeros)
    target = torch.where(keep, targets.detach(), zeros)
    per_step = torch.where(keep, function(q, target, reduction="none"), zeros)
    per_sequence = per_step.sum(dim=0) / keep.sum(dim=0).clamp(min=1)
    if weights is not None:
        per_sequence = weights * per_sequence
    return per_sequence.mean(), (target - q).detach()


def sequence_priorities(td_error: torch.Tensor, mask: torch.Tensor, eta: float = 0.9) -> torch.Tensor:
    """R2D2's sequence priority ``η max_t |δ_t| + (1 - η) mean_t |δ_t|`` over the masked-in steps.

    The max keeps a sequence with one surprising step likely to be replayed; the mean keeps long sequences
    from all looking alike. A sequence with no masked-in step gets 0.

    Args:
        td_error: (T, B) TD errors.
        mask: (T, B) 1 (or True) where the step counts.
        eta: Weight of the max.

    Returns:
        (B,) priorities.
    """
    keep = mask.bool()
    errors = torch.where(keep, td_error.abs(), torch.zeros_like(td_error))
    mean = errors.sum(dim=0) / keep.sum(dim=0).clamp(min=1)
    return eta * errors.max(dim=0).values + (1.0 - eta) * mean
