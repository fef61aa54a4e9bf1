"""A task that only an agent with memory can solve: recall a cue shown at the start of the episode."""

from __future__ import annotations

import gymnasium as gym
import numpy as np


class CueRecall(gym.Env):
    """The first observation shows a cue (one of ``cues``); later ones are blank. Act on it at the end.

    Observation: ``[one-hot cue | first-step flag]`` at step 0, zeros afterwards. Only the last of ``length``
    steps is rewarded: +1 for the action naming the cue (``Discrete(cues)``), else 0. With
    ``continuous=True`` there are two cues and a 1-D action in [-1, 1] earns ``action * sign``, where the
    sign is +1 for cue 0 and -1 for cue 1. A memoryless policy earns 1/cues (0 when continuous) on average;
    one that remembers the cue earns 1.
    """

    def __init__(self, length: int = 4, cues: int = 2, continuous: bool = False) -> None:
        self.length = length
        self.cues = 2 if continuous else cues
        self.continuous = continuous
        self.observation_space = gym.spaces.Box(0.0, 1.0, (self.cues + 1,), np.float32)
        self.action_space = (
            gym.spaces.Box(-1.0, 1.0, (1,), np.float32) if continuous else gym.spaces.Discrete(self.cues)
        )
        self._cue = 0
        self._t = 0

    def _obs(self) -> np.ndarray:
        obs = np.zeros(self.cues + 1, dtype=np.float32)
        if self._t == 0:
            obs[self._cue] = 1.0
            obs[-1] = 1.0
        return obs

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._cue = int(self.np_random.integers(self.cues))
        self._t = 0
        return self._obs(), {}

    def step(self, action):
        self._t += 1
        done = self._t >= self.length
        reward = 0.0
        if done:
            if self.continuous:
                sign = 1.0 if self._cue == 0 else -1.0
                reward = float(np.clip(np.asarray(action, dtype=np.float64).reshape(-1)[0], -1, 1) * sign)
            else:
                reward = float(int(action) == self._cue)
        return self._obs(), reward, done, False, {}
