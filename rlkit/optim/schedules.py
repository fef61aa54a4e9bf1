"""Learning-rate schedules over training progress, and the adaptive-KL schedule of PPO.

A schedule maps progress (env steps done / total env steps, in [0, 1]) to a learning rate. Progress rather
than update count keeps a schedule meaning the same thing when ``num_envs`` or the rollout length changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rlkit.config.schema import OptimizedAgentConfig
from rlkit.errors import ConfigError


@dataclass(frozen=True)
class ProgressSchedule:
    """A learning rate that is a pure function of training progress.

    Attributes:
        kind: constant, linear, cosine or step.
        initial: lr at progress 0 (after warmup for cosine).
        end_factor: linear/cosine: the lr at progress 1, as a fraction of ``initial``.
        warmup_fraction: cosine: the lr rises linearly from 0 over this fraction of training.
        step_fraction: step: the lr is multiplied by ``step_gamma`` every this fraction of training.
        step_gamma: step: the multiplier.
    """

    kind: str
    initial: float
    end_factor: float = 0.0
    warmup_fraction: float = 0.0
    step_fraction: float = 0.25
    step_gamma: float = 0.5

    def __call__(self, progress: float) -> float:
        """The learning rate at ``progress`` (clamped into [0, 1])."""
        p = min(max(progress, 0.0), 1.0)
        end = self.initial * self.end_factor
        if self.kind == "constant":
            return self.initial
        if self.kind == "linear":
            return self.initial + (end - self.initial) * p
        if self.kind == "cosine":
            if p < self.warmup_fraction:
                return self.initial * p / self.warmup_fraction
            span = 1.0 - self.warmup_fraction
            q = (p - self.warmup_fraction) / span if span > 0 else 1.0
            return end + (self.initial - end) * 0.5 * (1.0 + math.cos(math.pi * q))
        if self.kind == "step":
            # A small epsilon keeps p = 0.5 with step_fraction 0.25 from landing on 1.999999 steps.
            return self.initial * self.step_gamma ** math.floor(p / self.step_fraction + 1e-9)
        raise ValueError(f"unknown schedule '{self.kind}' (valid: constant, linear, cosine, step)")


class AdaptiveKLSchedule:
    """Adapts the learning rate so the policy's KL divergence per update stays near a target.

    Before each minibatch's step, the lr is divided by ``factor`` when the KL measured on that minibatch
    (between the rollout's policy and the current one) exceeds twice the target and multiplied by it when
    the KL is below half the target, within ``[min_lr, max_lr]`` (the scheme legged-robot PPO uses to keep
    large-batch updates stable without hand-tuning an lr).
    """

    def __init__(
        self,
        initial: float,
        target_kl: float,
        factor: float = 1.5,
        min_lr: float = 1e-5,
        max_lr: float = 1e-2,
    ) -> None:
        if target_kl <= 0:
            raise ValueError("target_kl must be positive")
        self.lr = initial
        self.target_kl = target_kl
        self.factor = factor
        self.min_lr = min_lr
        self.max_lr = max_lr

    def __call__(self, progress: float) -> float:
        """The current lr (progress does not enter: the KL does)."""
        return self.lr

    def observe_kl(self, kl: float) -> float:
        """Update the lr from one measured KL divergence and return the new lr."""
        if kl > 2.0 * self.target_kl:
            self.lr = max(self.min_lr, self.lr / self.factor)
        elif kl < 0.5 * self.target_kl:
            self.lr = min(self.max_lr, self.lr * self.factor)
        return self.lr


LRSchedule = ProgressSchedule | AdaptiveKLSchedule


def build_lr_schedule(config: OptimizedAgentConfig, target_kl: float | None = None) -> LRSchedule:
    """The schedule ``config.lr_schedule`` names; ``adaptive_kl`` needs ``target_kl``."""
    if config.lr_schedule == "adaptive_kl":
        if target_kl is None:
            raise ConfigError(
                f"config key 'agent.lr_schedule': adaptive_kl needs agent.target_kl, which agent "
                f"'{config.name}' does not have or has unset (valid here: constant, linear, cosine, step)"
            )
        return AdaptiveKLSchedule(config.lr, target_kl)
    return ProgressSchedule(
        kind=config.lr_schedule,
        initial=config.lr,
        end_factor=config.lr_end_factor,
        warmup_fraction=config.lr_warmup_fraction,
        step_fraction=config.lr_step_fraction,
        step_gamma=config.lr_step_gamma,
    )
