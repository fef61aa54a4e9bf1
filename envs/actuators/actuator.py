"""The base of the actuator effects: a 1-D ``Box`` action range, its neutral action, a random stream."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.core import ObsType
from gymnasium.spaces import Box

from rlkit.sim.random_stream import RandomStream


def neutral_action(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The action an actuator applies before it has received one: per dimension, 0 where 0 lies in
    [low, high] (no torque, no velocity), else the centre of the range."""
    return np.where((low <= 0.0) & (high >= 0.0), 0.0, (low + high) / 2.0)


class ActuatorWrapper(gym.Wrapper[ObsType, np.ndarray, ObsType, np.ndarray]):
    """Changes the action between the policy and the env; the action space is left unchanged.

    A subclass implements :meth:`_applied` (the action the env receives, from the one the policy sent)
    and, where it keeps per-episode state, :meth:`_start_episode`. Both work in float64; this class
    converts the result to the action space's dtype. :meth:`_applied` receives a float64 copy of the sent
    action that is its own (it may change it in place, or keep it); what it returns is copied before the
    env sees it, so it may return an array it keeps.

    Args:
        env: The env whose actions are changed; its action space must be a 1-D ``Box`` with finite bounds.
        stream: Name of the effect's random stream.

    Attributes:
        low, high: The action bounds (float64).
        neutral: The neutral action, see :func:`neutral_action`.

    Raises:
        ValueError: The action space is not a 1-D ``Box`` with finite bounds.
    """

    def __init__(self, env: gym.Env[ObsType, np.ndarray], stream: str) -> None:
        gym.Wrapper.__init__(self, env)
        space = env.action_space
        if not (
            isinstance(space, Box)
            and len(space.shape) == 1
            and np.isfinite(space.low).all()
            and np.isfinite(space.high).all()
        ):
            raise ValueError(
                f"env: {type(self).__name__} needs a 1-D Box action space with finite bounds, got {space}"
            )
        self.low = space.low.astype(np.float64)
        self.high = space.high.astype(np.float64)
        self.neutral = neutral_action(self.low, self.high)
        self._stream = RandomStream(stream)
        self._dtype = space.dtype  # looked up once: ``action_space`` walks down the wrapper chain

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset the env and the effect's per-episode state; ``seed`` also re-seeds the effect's stream."""
        self._stream.reseed(seed)
        self._start_episode()
        return self.env.reset(seed=seed, options=options)

    def step(self, action: np.ndarray) -> tuple[ObsType, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env with the changed action."""
        applied = self._applied(np.array(action, dtype=np.float64))  # a copy: a delay keeps it
        return self.env.step(applied.astype(self._dtype))  # a copy: a rate limit keeps ``applied``

    @property
    def _rng(self) -> np.random.Generator:
        return self._stream.generator

    def _start_episode(self) -> None:
        """Clear the per-episode state (called by ``reset``, after the stream is re-seeded)."""

    def _applied(self, action: np.ndarray) -> np.ndarray:
        """The action the env receives, given the one the policy sent."""
        raise NotImplementedError
