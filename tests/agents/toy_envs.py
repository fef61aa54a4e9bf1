"""Tiny envs on which a working agent learns in seconds (and a broken one does not)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from rlkit.vision.frame_stack import FrameStack


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


class CuePixels(gym.Env):
    """A memory task from pixels: a cue shown once says which of 3 actions pays at the end.

    Frames are ``(1, 36, 36)`` ``uint8`` (36 is the smallest image NatureCNN takes). The first frame lights
    the cue's third of the image; the next ``wait - 1`` are blank; the last shows a dot in the centre,
    where the action equal to the cue earns 1 and the episode terminates. The bottom row is random noise, so
    that no two frames are alike (as in a real camera image). Earlier actions do nothing, so a
    random policy scores 1/3, and the last frame alone says nothing about the cue: only a stack of the
    last ``wait + 1`` frames or more (:class:`StackedCuePixels`) lets an agent score 1.
    """

    size = 36

    def __init__(self, wait: int = 1) -> None:
        self.wait = wait
        self.observation_space = gym.spaces.Box(0, 255, (1, self.size, self.size), np.uint8)
        self.action_space = gym.spaces.Discrete(3)
        self._cue = 0
        self._steps = 0

    def _obs(self) -> np.ndarray:
        frame = np.zeros(self.observation_space.shape, dtype=np.uint8)
        third = self.size // 3
        if self._steps == 0:
            frame[0, :, self._cue * third : (self._cue + 1) * third] = 255
        elif self._steps == self.wait:
            frame[0, 16:20, 16:20] = 255
        frame[0, -1] = self.np_random.integers(0, 256, self.size)
        return frame

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._cue = int(self.np_random.integers(3))
        self._steps = 0
        return self._obs(), {}

    def step(self, action):
        if self._steps == self.wait:
            return self._obs(), float(int(action) == self._cue), True, False, {}
        self._steps += 1
        return self._obs(), 0.0, False, False, {}


class StackedCuePixels(FrameStack):
    """:class:`CuePixels` seen through a :class:`vision.FrameStack` of ``num_frames`` frames."""

    def __init__(self, wait: int = 1, num_frames: int = 4) -> None:
        super().__init__(CuePixels(wait), num_frames)
