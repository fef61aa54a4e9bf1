"""Random pushes: external force/torque impulses on a body at random intervals."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import mujoco
import numpy as np

from rlkit.config.sim2real import PushConfig
from rlkit.errors import RlkitError
from rlkit.sim.mujoco_handles import entity_names, mujoco_model_and_data
from rlkit.sim.random_stream import RandomStream


class RandomPushes(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Push a body with a random force and torque for a few steps, at random intervals.

    Before each push, a number of push-free env steps is drawn uniformly from ``config.interval`` (counted
    from the reset, or from the end of the previous push); the push then lasts ``config.duration`` env steps.
    A push applies, through ``data.xfrc_applied`` of the body (at its centre of mass, world frame), a force of
    magnitude uniform in ``config.force`` in a random horizontal direction and a torque of magnitude uniform
    in ``config.torque`` about a random unit axis. The body's ``xfrc_applied`` is cleared when the push ends
    and at reset.

    ``info["push"]`` is the 6-vector (force, torque) applied during the step (zeros at reset and between
    pushes). Randomness comes from the wrapper's own stream, re-seeded by ``reset(seed=...)``.

    Args:
        env: A MuJoCo env (``env.unwrapped`` has ``model`` and ``data``).
        config: The body, interval, duration and magnitudes.
        stream: Name of the random stream; it must differ between effects stacked on one env.

    Raises:
        RlkitError: The env is not a MuJoCo env, or ``config.body`` names no body (the message lists them).
    """

    def __init__(self, env: gym.Env, config: PushConfig, stream: str = "RandomPushes") -> None:
        gym.utils.RecordConstructorArgs.__init__(self, config=config, stream=stream)
        gym.Wrapper.__init__(self, env)
        model, self._data = mujoco_model_and_data(env, "RandomPushes")
        self._body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, config.body)
        if self._body < 0:
            names = ", ".join(entity_names(model, mujoco.mjtObj.mjOBJ_BODY, model.nbody, "body"))
            raise RlkitError(f"RandomPushes: body '{config.body}' is not in the model (bodies: {names})")
        self.config = config
        self._stream = RandomStream(stream)
        self._wrench = np.zeros(6)
        self._steps_to_push = 0
        self._push_steps_left = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Clear any push, reset the inner env and schedule the first push."""
        self._stream.reseed(seed)
        self._end_push()
        observation, info = self.env.reset(seed=seed, options=options)
        self._steps_to_push = self._draw_interval()
        info["push"] = self._wrench.copy()
        return observation, info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the inner env, pushing the body if a push is due."""
        if self._push_steps_left == 0:
            if self._steps_to_push == 0:
                self._start_push()
            else:
                self._steps_to_push -= 1
        applied = self._wrench.copy()
        if self._push_steps_left > 0:
            # Written every pushed step: the inner env may clear xfrc_applied in between.
            self._data.xfrc_applied[self._body] = self._wrench
        observation, reward, terminated, truncated, info = self.env.step(action)
        if self._push_steps_left > 0:
            self._push_steps_left -= 1
            if self._push_steps_left == 0:
                self._end_push()
                self._steps_to_push = self._draw_interval()
        info["push"] = applied
        return observation, reward, terminated, truncated, info

    def _draw_interval(self) -> int:
        low, high = self.config.interval
        return int(self._stream.generator.integers(low, high + 1))

    def _start_push(self) -> None:
        generator = self._stream.generator
        angle = generator.uniform(0.0, 2.0 * np.pi)
        force = generator.uniform(*self.config.force)
        axis = generator.normal(size=3)
        axis /= np.linalg.norm(axis)
        torque = generator.uniform(*self.config.torque)
        self._wrench = np.concatenate([force * np.array([np.cos(angle), np.sin(angle), 0.0]), torque * axis])
        self._push_steps_left = self.config.duration

    def _end_push(self) -> None:
        self._wrench = np.zeros(6)
        self._push_steps_left = 0
        self._data.xfrc_applied[self._body] = 0.0
