"""Optimization shared by every agent: optimizers, gradient clipping, learning-rate schedules."""

from rlkit.optim.optimizers import build_optimizer, clip_gradients, set_learning_rate
from rlkit.optim.schedules import AdaptiveKLSchedule, LRSchedule, ProgressSchedule, build_lr_schedule

__all__ = [
    "AdaptiveKLSchedule",
    "LRSchedule",
    "ProgressSchedule",
    "build_lr_schedule",
    "build_optimizer",
    "clip_gradients",
    "set_learning_rate",
]
