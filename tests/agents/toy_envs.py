"""Tiny envs on which a working agent learns in seconds (and a broken one does not)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np


class ContextBandit(gym.Env):
    """One-step episodes: the observation is a one-hot context, reward 1 for the action equal to it."""

    def __init__(self, contexts: int = 4) -> None:
        self.contexts = contexts
        self.observation_space = gym.spaces.Box(0.0, 1.0, (contexts,), np.float32)
        self.action_space = gym.spaces.Discrete(contexts)
        self._context = 0

    def _obs(self) -> np.ndarray:
        return np.eye(self.contexts, dtype=np.float32)[self._context]

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._context = int(self.np_random.integers(self.contexts))
        return self._obs(), {}

    def step(self, action):
        reward = float(int(action) == self._context)
        return self._obs(), reward, True, False, {}


class TargetReaching(gym.Env):
    """One-step episodes: the observation is a target in [-1, 1]², reward −‖action − target‖²."""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.action_space = gym.spaces.Box(-2.0, 2.0, (2,), np.float32)
        self._target = np.zeros(2, dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._target = self.np_random.uniform(-1.0, 1.0, 2).astype(np.float32)
        return self._target.copy(), {}

    def step(self, action):
        reward = -float(np.sum((np.asarray(action) - self._target) ** 2))
        return self._target.copy(), reward, True, False, {}
