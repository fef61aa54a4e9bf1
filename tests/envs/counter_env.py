"""A tiny deterministic env whose readings and received actions a test can predict exactly."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

SLOPES = np.array([1.0, 2.0, -1.0, 0.5, 3.0, -2.0])


class CounterEnv(gym.Env):
    """After ``t`` steps the observation is ``SLOPES * (t + 1)`` (never 0); the reward of step ``t`` is ``t``.

    The action the env received (``action_dims`` dimensions) is echoed as ``info["action"]``. The episode
    terminates after ``terminate_after`` steps (None: never).
    """

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012

    def __init__(
        self,
        dtype: type = np.float64,
        bound: float = np.inf,
        action_low: float | list[float] = -1.0,
        action_high: float | list[float] = 1.0,
        action_dims: int = 3,
        terminate_after: int | None = None,
        names: list[str] | None = None,
    ) -> None:
        self.observation_space = gym.spaces.Box(-bound, bound, SLOPES.shape, dtype)
        low = np.broadcast_to(np.asarray(action_low, np.float32), (action_dims,))
        high = np.broadcast_to(np.asarray(action_high, np.float32), (action_dims,))
        self.action_space = gym.spaces.Box(low, high, dtype=np.float32)
        self.terminate_after = terminate_after
        if names is not None:
            self.observation_names = names
        self.t = 0

    def clean(self, t: int | np.ndarray) -> np.ndarray:
        """The observation after ``t`` steps, without any effect (rows for an array of ``t``)."""
        return SLOPES * (np.asarray(t)[..., None] + 1)

    def _observation(self) -> np.ndarray:
        return np.clip(self.clean(self.t), self.observation_space.low, self.observation_space.high).astype(
            self.observation_space.dtype
        )

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.t = 0
        return self._observation(), {}

    def step(self, action):
        self.t += 1
        terminated = self.terminate_after is not None and self.t >= self.terminate_after
        info = {"action": np.array(action, copy=True), "t": self.t}
        return self._observation(), float(self.t), terminated, False, info
