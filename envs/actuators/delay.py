"""Actuation latency: an action takes effect some control steps after the policy sent it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.core import ObsType

from rlkit.envs.actuators.actuator import ActuatorWrapper
from rlkit.envs.effects.action_delay import ActuatorDelay


class ActionDelay(ActuatorWrapper, gym.utils.RecordConstructorArgs):
    """The env receives the action sent exactly ``k`` control steps earlier.

    ``k`` is ``min_delay`` when ``min_delay == max_delay``, else drawn at every reset, uniform over
    [``min_delay``, ``max_delay``]. At step ``t`` (counting from 0 after reset) the env receives the action
    sent at step ``t - k``; during the first ``k`` steps, before any sent action has arrived, it receives
    the neutral action: per dimension 0 where 0 lies within the action bounds, else the range's centre
    (see :func:`~rlkit.envs.actuators.actuator.neutral_action`). The delay of the episode is reported as
    ``info["action_delay"]`` by ``reset`` and ``step``. The effect is
    :class:`~rlkit.envs.effects.action_delay.ActuatorDelay` on a batch of one.

    Args:
        env: The env whose actions are delayed (1-D ``Box`` action space with finite bounds).
        min_delay: Smallest delay in control steps, >= 0.
        max_delay: Largest delay in control steps, >= ``min_delay``.
        stream: Name of the effect's random stream (distinct when the effect appears twice).
        groups: The action columns of each group with a delay of its own (a team's robots; None: one).

    Raises:
        ValueError: A delay is not an integer >= 0, ``min_delay > max_delay``, or the action space is
            unsuitable.
    """

    effect: ActuatorDelay

    def __init__(
        self,
        env: gym.Env,
        min_delay: int,
        max_delay: int,
        stream: str = "ActionDelay",
        groups: Sequence[Sequence[int] | np.ndarray] | None = None,
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self, min_delay=min_delay, max_delay=max_delay, stream=stream, groups=groups
        )
        ActuatorWrapper.__init__(self, env)
        self.effect = ActuatorDelay(self.space, 1, min_delay, max_delay, stream, groups)
        self.min_delay, self.max_delay = self.effect.delays.min_delay, self.effect.delays.max_delay
        self._delay: int | np.ndarray = self.min_delay

    @property
    def delay(self) -> int | np.ndarray:
        """This episode's delay in control steps (with ``groups``: each group's)."""
        if self.effect.groups is not None:
            return self.effect.group_delays[0].copy()
        return int(self.effect.delays.delays[0])

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset the env, draw the episode's delay and fill the pipeline with neutral actions."""
        observation, info = super().reset(seed=seed, options=options)
        self._delay = self.delay  # looked up once per episode
        info["action_delay"] = self._delay
        return observation, info

    def step(self, action: np.ndarray) -> tuple[ObsType, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env with the action sent ``delay`` steps earlier."""
        observation, reward, terminated, truncated, info = super().step(action)
        info["action_delay"] = self._delay
        return observation, reward, terminated, truncated, info
