"""The base of the actuator effects: an array effect on the action, applied to a single env."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.core import ObsType
from gymnasium.spaces import Box

from rlkit.envs.effects.action_effect import ActionEffect, action_bounds, neutral_action
from rlkit.envs.effects.streams import EVERY_ENV

__all__ = ["ActuatorWrapper", "neutral_action"]


class ActuatorWrapper(gym.Wrapper[ObsType, np.ndarray, ObsType, np.ndarray]):
    """Changes the action between the policy and the env; the action space is left unchanged.

    The effect (:class:`~rlkit.envs.effects.action_effect.ActionEffect`, built by the subclass as
    ``self.effect`` for a batch of one) is the one the ``batched`` backend applies to all its envs at once:
    each effect is implemented once. It works in float64 and hands the env the action space's dtype.

    Args:
        env: The env whose actions are changed; its action space must be a 1-D ``Box`` with finite bounds.

    Attributes:
        low, high: The action bounds (float64).
        neutral: The neutral action, see :func:`neutral_action`.

    Raises:
        ValueError: The action space is not a 1-D ``Box`` with finite bounds.
    """

    effect: ActionEffect

    def __init__(self, env: gym.Env[ObsType, np.ndarray]) -> None:
        gym.Wrapper.__init__(self, env)
        space = env.action_space
        bounds = action_bounds(space)  # type: ignore[arg-type]
        if bounds is None:
            raise ValueError(
                f"env: {type(self).__name__} needs a 1-D Box action space with finite bounds, got {space}"
            )
        assert isinstance(space, Box)  # action_bounds is None for any other space
        self.space: Box = space
        """The action space, looked up once (``action_space`` walks down the wrapper chain)."""
        self.low, self.high = bounds
        self.neutral = neutral_action(self.low, self.high)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset the env and the effect's per-episode state; ``seed`` also re-seeds the effect's stream."""
        self.effect.reset(EVERY_ENV, [seed])
        return self.env.reset(seed=seed, options=options)

    def step(self, action: np.ndarray) -> tuple[ObsType, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env with the changed action."""
        return self.env.step(self.effect(np.asarray(action)[None])[0])
