"""Actuators that reach only part of their nominal range."""

from __future__ import annotations

import gymnasium as gym

from rlkit.envs.actuators.actuator import ActuatorWrapper
from rlkit.envs.effects.action_saturation import ActuatorSaturation


class ActionSaturation(ActuatorWrapper, gym.utils.RecordConstructorArgs):
    """Clips the applied action to ``centre ± fraction × half-range`` in each dimension.

    The policy still acts in the full action space; only what reaches the env is limited. The effect is
    :class:`~rlkit.envs.effects.action_saturation.ActuatorSaturation` on a batch of one.

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
        ActuatorWrapper.__init__(self, env)
        self.effect = ActuatorSaturation(self.space, 1, fraction, stream)
        self.fraction = self.effect.fraction
        self.saturated_low, self.saturated_high = self.effect.saturated_low, self.effect.saturated_high
