"""Actuators that reach only part of their nominal range."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from rlkit.envs.actuators.actuator import ActuatorWrapper


class ActionSaturation(ActuatorWrapper, gym.utils.RecordConstructorArgs):
    """Clips the applied action to ``centre ± fraction × half-range`` in each dimension.

    The policy still acts in the full action space; only what reaches the env is limited.

    Args:
        env: The env whose actions saturate (1-D ``Box`` action space with finite bounds).
        fraction: The reachable part of each half-range, in (0, 1].
        stream: Name of the effect's random stream; this effect draws no random numbers, the argument only
            lets every effect be named alike.

    Raises:
        ValueError: ``fraction`` is outside (0, 1], or the action space is unsuitable.
    """

    def __init__(self, env: gym.Env, fraction: float, stream: str = "ActionSaturation") -> None:
        gym.utils.RecordConstructorArgs.__init__(self, fraction=fraction, stream=stream)
        ActuatorWrapper.__init__(self, env, stream)
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}")
        self.fraction = float(fraction)
        centre, half_range = (self.high + self.low) / 2.0, (self.high - self.low) / 2.0
        self.saturated_low = centre - self.fraction * half_range
        self.saturated_high = centre + self.fraction * half_range

    def _applied(self, action: np.ndarray) -> np.ndarray:
        # In place; maximum then minimum is np.clip, at half its per-call cost.
        np.maximum(action, self.saturated_low, out=action)
        np.minimum(action, self.saturated_high, out=action)
        return action
