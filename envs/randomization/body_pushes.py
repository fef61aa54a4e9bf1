"""Random pushes of one body in a batch of envs: per-env schedules, applied through ``xfrc_applied``.

:class:`BodyPushes` is random pushing implemented once, on arrays: each env's push-free interval and push
counters are one entry of an array, reset by a mask of envs, and a step writes the wrench of every pushed env
into a ``(num_envs, nbody, 6)`` stack of ``xfrc_applied``. The per-env wrapper
(:class:`rlkit.envs.randomization.pushes.RandomPushes`) runs it on a batch of one (its ``MjData``'s
``xfrc_applied``); the ``batched`` rollout backend on the batch's live ``xfrc_applied``. Env ``i`` draws from
its own stream, seeded as env ``i``'s wrapper seeds its stream: one draw per push and per interval, in the
order one env meets them.
"""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import numpy as np

from rlkit.config.sim2real import PushConfig
from rlkit.envs.effects.streams import EnvStreams
from rlkit.errors import RlkitError
from rlkit.sim.mujoco_handles import entity_names


def push_wrench(config: PushConfig, generator: np.random.Generator) -> np.ndarray:
    """One push's (force, torque) 6-vector: a force of magnitude uniform in ``config.force`` in a uniformly
    random horizontal direction, a torque of magnitude uniform in ``config.torque`` about a random axis."""
    angle = generator.uniform(0.0, 2.0 * np.pi)
    force = generator.uniform(*config.force)
    axis = generator.normal(size=3)
    axis /= np.linalg.norm(axis)
    torque = generator.uniform(*config.torque)
    return np.concatenate([force * np.array([np.cos(angle), np.sin(angle), 0.0]), torque * axis])


class BodyPushes:
    """Push ``config.body`` of every env with a random wrench for a few steps, at random intervals.

    Before each push, an env draws a number of push-free steps uniformly from ``config.interval`` (counted
    from its reset, or from the end of its previous push); the push then lasts ``config.duration`` steps, the
    wrench of :func:`push_wrench` applied at the body's centre of mass (world frame). A step is
    :meth:`start_step` (before the physics) then :meth:`end_step` (after it), for the envs stepped.

    Args:
        model: The model, whose body ``config.body`` is pushed.
        config: The body, interval, duration and magnitudes.
        num_envs: Envs in the batch.
        stream: Name of the random stream; it must differ between effects stacked on one env.

    Attributes:
        wrench: Each env's current push (zeros between pushes), ``(num_envs, 6)``.
        applied: The wrench each env's last step (or reset: zeros) applied, ``(num_envs, 6)``.

    Raises:
        RlkitError: ``config.body`` names no body of the model (the message lists them).
    """

    def __init__(
        self, model: mujoco.MjModel, config: PushConfig, num_envs: int, stream: str = "RandomPushes"
    ) -> None:
        self.body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, config.body)
        if self.body < 0:
            names = ", ".join(entity_names(model, mujoco.mjtObj.mjOBJ_BODY, model.nbody, "body"))
            raise RlkitError(f"RandomPushes: body '{config.body}' is not in the model (bodies: {names})")
        self.config = config
        self.streams = EnvStreams(stream, num_envs)
        self.wrench = np.zeros((num_envs, 6))
        self.applied = np.zeros((num_envs, 6))
        self._steps_to_push = np.zeros(num_envs, dtype=np.int64)
        self._push_steps_left = np.zeros(num_envs, dtype=np.int64)

    def reset(self, xfrc: np.ndarray, envs: np.ndarray, seeds: Sequence[int | None] | None = None) -> None:
        """End the pushes of envs ``envs`` (an index array), clear their body's row of ``xfrc`` and schedule
        their first push; ``seeds`` (one per env, None: continue) re-seed their streams first."""
        self.streams.reseed(envs, seeds)
        self._end_pushes(xfrc, envs)
        self.applied[envs] = 0.0
        for env in envs.tolist():
            self._steps_to_push[env] = self._draw_interval(env)

    def start_step(self, xfrc: np.ndarray, envs: np.ndarray) -> None:
        """Before envs ``envs`` step: start the pushes that are due, count down the others' intervals, and
        write every pushed env's wrench into its body's row of ``xfrc`` (the sim may clear it in between)."""
        idle = self._push_steps_left[envs] == 0
        due = idle & (self._steps_to_push[envs] == 0)
        self._steps_to_push[envs[idle & ~due]] -= 1
        for env in envs[due].tolist():
            self.wrench[env] = push_wrench(self.config, self.streams.generator(env))
            self._push_steps_left[env] = self.config.duration
        self.applied[envs] = self.wrench[envs]
        pushed = envs[self._push_steps_left[envs] > 0]
        if len(pushed):
            xfrc[pushed, self.body] = self.wrench[pushed]

    def end_step(self, xfrc: np.ndarray, envs: np.ndarray) -> None:
        """After envs ``envs`` stepped: count their pushes down; a push that ends clears its env's body row of
        ``xfrc`` and draws that env's next interval."""
        pushed = envs[self._push_steps_left[envs] > 0]
        if not len(pushed):
            return
        self._push_steps_left[pushed] -= 1
        ended = pushed[self._push_steps_left[pushed] == 0]
        if len(ended):
            self._end_pushes(xfrc, ended)
            for env in ended.tolist():
                self._steps_to_push[env] = self._draw_interval(env)

    def _draw_interval(self, env: int) -> int:
        low, high = self.config.interval
        return int(self.streams.generator(env).integers(low, high + 1))

    def _end_pushes(self, xfrc: np.ndarray, envs: np.ndarray) -> None:
        self.wrench[envs] = 0.0
        self._push_steps_left[envs] = 0
        xfrc[envs, self.body] = 0.0
