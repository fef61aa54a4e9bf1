"""Actuators that reach only part of their nominal range, on a batch of actions."""

from __future__ import annotations

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.action_effect import ActionEffect


class ActuatorSaturation(ActionEffect):
    """Clips the applied actions to ``centre ± fraction × half-range`` in each dimension.

    Args:
        space, num_envs, stream: See :class:`~rlkit.envs.effects.action_effect.ActionEffect` (this effect
            draws no random numbers).
        fraction: The reachable part of each half-range, in (0, 1].

    Raises:
        ValueError: ``fraction`` is outside (0, 1], or the action space is unsuitable.
    """

    def __init__(self, space: Box, num_envs: int, fraction: float, stream: str = "ActionSaturation") -> None:
        super().__init__(space, num_envs, stream)
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}")
        self.fraction = float(fraction)
        centre, half_range = (self.high + self.low) / 2.0, (self.high - self.low) / 2.0
        self.saturated_low = centre - self.fraction * half_range
        self.saturated_high = centre + self.fraction * half_range

    def _applied(self, actions: np.ndarray) -> np.ndarray:
        # In place; maximum then minimum is np.clip, at half its per-call cost.
        np.maximum(actions, self.saturated_low, out=actions)
        np.minimum(actions, self.saturated_high, out=actions)
        return actions
