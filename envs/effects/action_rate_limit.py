"""Actuators that cannot change their output faster than a given rate, on a batch of actions."""

from __future__ import annotations

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.action_effect import ActionEffect
from rlkit.envs.effects.streams import Rows


class ActuatorRateLimit(ActionEffect):
    """Each env's applied action moves toward the sent one by at most a fixed amount per step and dimension.

    The largest change per step is ``max_change_fraction * (high - low)``, measured from the env's previously
    applied action; when an episode starts, that is the neutral action.

    Args:
        space, num_envs, stream: See :class:`~rlkit.envs.effects.action_effect.ActionEffect` (this effect
            draws no random numbers).
        max_change_fraction: Largest change per step as a fraction of each dimension's full range, > 0.

    Raises:
        ValueError: ``max_change_fraction`` is not a finite number > 0, or the action space is unsuitable.
    """

    def __init__(
        self, space: Box, num_envs: int, max_change_fraction: float, stream: str = "ActionRateLimit"
    ) -> None:
        super().__init__(space, num_envs, stream)
        if not (np.isfinite(max_change_fraction) and max_change_fraction > 0):
            raise ValueError(f"max_change_fraction must be a finite number > 0, got {max_change_fraction}")
        self.max_change_fraction = float(max_change_fraction)
        self.max_change = self.max_change_fraction * (self.high - self.low)
        self.previous = np.tile(self.neutral, (num_envs, 1))
        """Each env's previously applied action."""

    def _start_episodes(self, rows: Rows) -> None:
        self.previous[rows] = self.neutral

    def _applied(self, actions: np.ndarray) -> np.ndarray:
        # In place on the effect's own copy of the actions; maximum then minimum is np.clip.
        previous, max_change = self.previous, self.max_change
        np.maximum(actions, previous - max_change, out=actions)
        np.minimum(actions, previous + max_change, out=actions)
        self.previous = actions.copy()
        return actions
