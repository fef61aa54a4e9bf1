"""What a privileged teacher would observe, reported beside what a student observes.

``rlkit distill`` trains a student that sees the simulated sensors (or pixels) to act like a teacher that saw
the true state and the sampled physics. Both must see the same world at the same step, so the teacher's view
is taken inside the student's env stack: :class:`TeacherView` sits below the sensor models (see
:func:`rlkit.envs.make_env`, ``teacher_view``) and copies the observation passing through it, still
noise-free and undelayed, into ``info["teacher_state"]``, with the episode's sampled physics in
``info["teacher_parameters"]``.
"""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np

from rlkit.envs.randomization.physics import PhysicsRandomization


class TeacherView(gym.Wrapper):
    """Report the observation as it is here (before sensor models) and the sampled physics in ``info``.

    Args:
        env: The env below the sensor models.
        physics: The episode's physics randomization (None: no parameters are reported).
    """

    def __init__(self, env: gym.Env, physics: PhysicsRandomization | None) -> None:
        super().__init__(env)
        self.physics = physics

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        observation, info = self.env.reset(seed=seed, options=options)
        return observation, self._report(observation, info)

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        observation, reward, terminated, truncated, info = self.env.step(action)
        return observation, reward, terminated, truncated, self._report(observation, info)

    def _report(self, observation: Any, info: dict[str, Any]) -> dict[str, Any]:
        info["teacher_state"] = np.array(observation, dtype=np.float32)  # a copy: sensors may not touch it
        if self.physics is not None:
            info["teacher_parameters"] = self.physics.sampled_vector()
        return info
