"""Gaussian noise on the applied actions of a batch."""

from __future__ import annotations

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.action_effect import ActionEffect


class ActuatorNoise(ActionEffect):
    """Adds N(0, ``std_fraction`` × half-range) to each action dimension, then clips to the action bounds.

    Args:
        space, num_envs, stream: See :class:`~rlkit.envs.effects.action_effect.ActionEffect`.
        std_fraction: Noise standard deviation as a fraction of each dimension's half-range, >= 0.

    Raises:
        ValueError: ``std_fraction`` is negative or not finite, or the action space is unsuitable.
    """

    def __init__(self, space: Box, num_envs: int, std_fraction: float, stream: str = "ActionNoise") -> None:
        super().__init__(space, num_envs, stream)
        if not (np.isfinite(std_fraction) and std_fraction >= 0):
            raise ValueError(f"std_fraction must be a finite number >= 0, got {std_fraction}")
        self.std_fraction = float(std_fraction)
        self.std = self.std_fraction * (self.high - self.low) / 2.0
        self._noise = self.streams.normal_rows(self.std)

    def _applied(self, actions: np.ndarray) -> np.ndarray:
        actions += self._noise.next()
        # In place; maximum then minimum is np.clip, at half its per-call cost.
        np.maximum(actions, self.low, out=actions)
        np.minimum(actions, self.high, out=actions)
        return actions
