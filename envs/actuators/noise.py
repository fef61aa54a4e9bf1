"""Gaussian noise on the applied action."""

from __future__ import annotations

import gymnasium as gym

from rlkit.envs.actuators.actuator import ActuatorWrapper
from rlkit.envs.effects.action_noise import ActuatorNoise


class ActionNoise(ActuatorWrapper, gym.utils.RecordConstructorArgs):
    """Adds N(0, ``std_fraction`` × half-range) to each action dimension, then clips to the action bounds.

    The effect is :class:`~rlkit.envs.effects.action_noise.ActuatorNoise` on a batch of one.

    Args:
        env: The env whose actions are perturbed (1-D ``Box`` action space with finite bounds).
        std_fraction: Noise standard deviation as a fraction of each dimension's half-range, >= 0.
        stream: Name of the effect's random stream (distinct when the effect appears twice).

    Raises:
        ValueError: ``std_fraction`` is negative or not finite, or the action space is unsuitable.
    """

    def __init__(self, env: gym.Env, std_fraction: float, stream: str = "ActionNoise") -> None:
        gym.utils.RecordConstructorArgs.__init__(self, std_fraction=std_fraction, stream=stream)
        ActuatorWrapper.__init__(self, env)
        self.effect = ActuatorNoise(self.space, 1, std_fraction, stream)
        self.std_fraction, self.std = self.effect.std_fraction, self.effect.std
