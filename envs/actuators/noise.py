"""Gaussian noise on the applied action."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from rlkit.envs.actuators.actuator import ActuatorWrapper


class ActionNoise(ActuatorWrapper, gym.utils.RecordConstructorArgs):
    """Adds N(0, ``std_fraction`` × half-range) to each action dimension, then clips to the action bounds.

    Args:
        env: The env whose actions are perturbed (1-D ``Box`` action space with finite bounds).
        std_fraction: Noise standard deviation as a fraction of each dimension's half-range, >= 0.
        stream: Name of the effect's random stream (distinct when the effect appears twice).

    Raises:
        ValueError: ``std_fraction`` is negative or not finite, or the action space is unsuitable.
    """

    def __init__(self, env: gym.Env, std_fraction: float, stream: str = "ActionNoise") -> None:
        gym.utils.RecordConstructorArgs.__init__(self, std_fraction=std_fraction, stream=stream)
        ActuatorWrapper.__init__(self, env, stream)
        if not (np.isfinite(std_fraction) and std_fraction >= 0):
            raise ValueError(f"std_fraction must be a finite number >= 0, got {std_fraction}")
        self.std_fraction = float(std_fraction)
        self.std = self.std_fraction * (self.high - self.low) / 2.0
        self._noise = self._stream.normal_rows(self.std)

    def _applied(self, action: np.ndarray) -> np.ndarray:
        action += self._noise.next()
        # In place; maximum then minimum is np.clip, at half its per-call cost.
        np.maximum(action, self.low, out=action)
        np.minimum(action, self.high, out=action)
        return action
