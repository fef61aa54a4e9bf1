"""Random pushes: external force/torque impulses on a body at random intervals."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np

from rlkit.config.sim2real import PushConfig
from rlkit.envs.randomization.body_pushes import BodyPushes
from rlkit.sim.mujoco_handles import mujoco_model_and_data

#: The one env of a wrapper's batch of one.
_ONE = np.zeros(1, dtype=np.int64)


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

    The schedule is :class:`~rlkit.envs.randomization.body_pushes.BodyPushes` on a batch of one (this env's
    ``xfrc_applied``), the implementation the ``batched`` rollout backend runs on all its sims.

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
        #: The pushes on a batch of one: this env's.
        self.pushes = BodyPushes(model, config, 1, stream)
        self.config = config

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Clear any push, reset the inner env and schedule the first push."""
        self.pushes.reset(self._data.xfrc_applied[None], _ONE, [seed])
        observation, info = self.env.reset(seed=seed, options=options)
        info["push"] = self.pushes.applied[0].copy()
        return observation, info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the inner env, pushing the body if a push is due."""
        xfrc = self._data.xfrc_applied[None]
        self.pushes.start_step(xfrc, _ONE)
        observation, reward, terminated, truncated, info = self.env.step(action)
        self.pushes.end_step(xfrc, _ONE)
        info["push"] = self.pushes.applied[0].copy()
        return observation, reward, terminated, truncated, info
