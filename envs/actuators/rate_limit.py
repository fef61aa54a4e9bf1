"""Actuators that cannot change their output faster than a given rate."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from rlkit.envs.actuators.actuator import ActuatorWrapper
from rlkit.envs.effects.action_rate_limit import ActuatorRateLimit


class ActionRateLimit(ActuatorWrapper, gym.utils.RecordConstructorArgs):
    """The applied action moves toward the sent one by at most a fixed amount per step and dimension.

    The largest change per step is ``max_change_fraction * (high - low)`` in each dimension, measured from
    the previously *applied* action, so a large jump is spread over several steps. After a reset the
    previous action is the neutral action (per dimension 0 where 0 lies within the action bounds, else the
    range's centre; see :func:`~rlkit.envs.actuators.actuator.neutral_action`): the actuator starts at rest.
    The effect is :class:`~rlkit.envs.effects.action_rate_limit.ActuatorRateLimit` on a batch of one.

    Args:
        env: The env whose actions are rate limited (1-D ``Box`` action space with finite bounds).
        max_change_fraction: Largest change per step as a fraction of each dimension's full range, > 0
            (1 or more: no limit within the bounds).
        stream: Name of the effect's random stream; this effect draws no random numbers, the argument only
            lets every effect be named alike.

    Raises:
        ValueError: ``max_change_fraction`` is not a finite number > 0, or the action space is unsuitable.
    """

    effect: ActuatorRateLimit

    def __init__(self, env: gym.Env, max_change_fraction: float, stream: str = "ActionRateLimit") -> None:
        gym.utils.RecordConstructorArgs.__init__(self, max_change_fraction=max_change_fraction, stream=stream)
        ActuatorWrapper.__init__(self, env)
        self.effect = ActuatorRateLimit(self.space, 1, max_change_fraction, stream)
        self.max_change_fraction, self.max_change = self.effect.max_change_fraction, self.effect.max_change

    @property
    def previous(self) -> np.ndarray:
        """The previously applied action."""
        return self.effect.previous[0]
