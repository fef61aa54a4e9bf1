"""An env that sends a stop signal to the training process at one phase of a run, then blocks there.

It stands in for a user pressing Ctrl-C (or a scheduler sending SIGTERM) while a slow env is in that
phase: the run must stop at once, not when the phase would have ended.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET

#: Where the env sends its signal: ``create`` (in its constructor), ``reset`` (the first reset of training),
#: ``step`` (the first step), ``eval`` (the first reset of an evaluation episode), or ``none`` (never).
PHASES = ("create", "reset", "step", "eval", "none")

#: How long a phase blocks after the signal: far longer than any test waits.
BLOCK_SECONDS = 60.0


class SignallingEnv(gym.Env):
    """Episodes of 10 steps with reward 1; at ``phase`` the env signals once per process, then blocks.

    Args:
        phase: One of :data:`PHASES`.
        signal_name: ``SIGINT`` or ``SIGTERM``.
        target: The process to signal (None: this one).
        group: Signal ``target``'s whole process group, as a terminal's Ctrl-C does.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}
    #: Set once this process has signalled: a resumed run in the same process trains normally.
    fired: ClassVar[bool] = False

    def __init__(
        self, phase: str, signal_name: str = "SIGINT", target: int | None = None, group: bool = False
    ) -> None:
        if phase not in PHASES:
            raise ValueError(f"phase must be one of {PHASES}, got {phase!r}")
        self.phase = phase
        self.signum = int(signal.Signals[signal_name])
        self.target = target
        self.group = group
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.t = 0
        if phase == "create":
            self._signal_and_block()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        evaluating = seed is not None and seed >= EVAL_SEED_OFFSET
        if self.phase == "reset" or (self.phase == "eval" and evaluating):
            self._signal_and_block()
        self.t = 0
        return self._observation(), {}

    def step(self, action):
        if self.phase == "step":
            self._signal_and_block()
        self.t += 1
        return self._observation(), 1.0, self.t >= 10, False, {}

    def _observation(self) -> np.ndarray:
        return np.array([self.t / 10, 0.0], np.float32)

    def _signal_and_block(self) -> None:
        if SignallingEnv.fired:
            return
        SignallingEnv.fired = True
        target = os.getpid() if self.target is None else self.target
        if self.group:
            os.killpg(os.getpgid(target), self.signum)
        else:
            os.kill(target, self.signum)
        time.sleep(BLOCK_SECONDS)
