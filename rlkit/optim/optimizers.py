"""Optimizers from the shared optimization fields of every agent's config."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from rlkit.config.schema import AgentConfig


def build_optimizer(parameters: Iterable[torch.nn.Parameter], config: AgentConfig) -> torch.optim.Optimizer:
    """Make the optimizer ``config.optimizer`` names, with its lr, weight decay and momentum settings.

    Adam and AdamW use the fused (``foreach``) implementation torch picks by default; for the tiny networks of
    classic control that matters less than keeping the parameter count of optimizer steps low.
    """
    params = list(parameters)
    if config.optimizer == "adam":
        return torch.optim.Adam(
            params, lr=config.lr, eps=config.optimizer_eps, weight_decay=config.weight_decay
        )
    if config.optimizer == "adamw":
        return torch.optim.AdamW(
            params, lr=config.lr, eps=config.optimizer_eps, weight_decay=config.weight_decay
        )
    if config.optimizer == "sgd":
        if config.nesterov and config.momentum <= 0:
            from rlkit.errors import ConfigError

            raise ConfigError("config key 'agent.nesterov': Nesterov momentum needs agent.momentum > 0")
        return torch.optim.SGD(
            params,
            lr=config.lr,
            momentum=config.momentum,
            nesterov=config.nesterov,
            weight_decay=config.weight_decay,
        )
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(
            params,
            lr=config.lr,
            eps=config.optimizer_eps,
            momentum=config.momentum,
            weight_decay=config.weight_decay,
        )
    raise AssertionError(f"unhandled optimizer {config.optimizer}")  # the schema's Literal rules this out


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set the learning rate of every parameter group."""
    for group in optimizer.param_groups:
        group["lr"] = lr


def clip_gradients(parameters: Iterable[torch.nn.Parameter], max_norm: float | None) -> torch.Tensor | None:
    """Clip the global gradient norm when ``max_norm`` is set; return the norm before clipping (a tensor).

    The norm stays a tensor so that logging it does not force a device sync on every update.
    """
    if max_norm is None:
        return None
    return torch.nn.utils.clip_grad_norm_(list(parameters), max_norm)
