"""Any actuator effect of :mod:`rlkit.envs.effects` on a single env, for the effects without a wrapper of
their own."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.envs.actuators.actuator import ActuatorWrapper
from rlkit.envs.effects.action_effect import ActionEffect


class ActuatorEffectWrapper(ActuatorWrapper, gym.utils.RecordConstructorArgs):
    """Applies the array effect ``effect`` to a single env's actions (a batch of one).

    Args:
        env: The env whose actions are changed (a 1-D ``Box`` action space with finite bounds).
        effect: The effect's class.
        **arguments: The effect's keyword arguments after ``space`` and ``num_envs``.

    Raises:
        ValueError: The action space is unsuitable, or the effect refuses its arguments.
    """

    def __init__(self, env: gym.Env[Any, np.ndarray], effect: type[ActionEffect], **arguments: Any) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, effect=effect, **arguments)
        ActuatorWrapper.__init__(self, env)
        self.effect = effect(self.space, 1, **arguments)
