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


class Chain(gym.Env):
    """Walk right along ``length`` cells (one-hot observation) to reward 1 at the end; left stays in bounds.

    A working agent needs credit assignment over several steps (where n-step returns help); episodes run
    until the end is reached or ``max_steps`` pass (a truncation).
    """

    def __init__(self, length: int = 5, max_steps: int = 20) -> None:
        self.length = length
        self.max_steps = max_steps
        self.observation_space = gym.spaces.Box(0.0, 1.0, (length,), np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self._position = 0
        self._steps = 0

    def _obs(self) -> np.ndarray:
        return np.eye(self.length, dtype=np.float32)[self._position]

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._position = 0
        self._steps = 0
        return self._obs(), {}

    def step(self, action):
        self._position = min(max(self._position + (1 if int(action) == 1 else -1), 0), self.length - 1)
        self._steps += 1
        reached = self._position == self.length - 1
        return self._obs(), float(reached), reached, self._steps >= self.max_steps and not reached, {}
