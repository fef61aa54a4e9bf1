"""The cart-pole tasks' own reward and termination (:mod:`rlkit.envs.tasks.cartpole_swingup`) on arrays.

The same float operations as ``CartPoleSwingup.reward`` and ``CartPoleBalance.terminated``, for every sim at
once; a task given in the config (``env.task.reward`` / ``env.task.termination``) replaces them, as it does
per env.
"""

from __future__ import annotations

import mujoco
import numpy as np

from rlkit.envs.batched.sim_batch import SimBatch
from rlkit.envs.tasks.cartpole_swingup import CartPoleBalance


class CartPoleReward:
    """``upright · centred · small_control · small_velocity`` of every sim, each term in [0, 1]."""

    def __init__(self, model: mujoco.MjModel) -> None:
        self._slider = int(model.joint("slider").qposadr[0])
        self._hinge = int(model.joint("hinge").qposadr[0])
        self._hinge_velocity = int(model.joint("hinge").dofadr[0])

    def __call__(
        self, sims: SimBatch, action: np.ndarray, previous_action: np.ndarray
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Each sim's reward for the step just taken, ``(num_envs,)``, and its (unweighted) terms."""
        cos_angle = np.cos(sims.qpos[:, self._hinge])
        cart = sims.qpos[:, self._slider]
        angular_velocity = sims.qvel[:, self._hinge_velocity]
        upright = (cos_angle + 1.0) / 2.0
        centred = (1.0 + np.exp(-(cart**2) / 2.0)) / 2.0
        small_control = (4.0 + (1.0 - np.clip(action[:, 0], -1.0, 1.0) ** 2)) / 5.0
        small_velocity = (1.0 + np.exp(-(angular_velocity**2) / 50.0)) / 2.0
        terms = {
            "upright": upright,
            "centred": centred,
            "small_control": small_control,
            "small_velocity": small_velocity,
        }
        return upright * centred * small_control * small_velocity, terms


class CartPoleFall:
    """True for each sim whose pole leans past ``CartPoleBalance.FALL_ANGLE`` or whose cart has left the
    view (``CartPoleBalance.CART_LIMIT``)."""

    def __init__(self, model: mujoco.MjModel) -> None:
        self._slider = int(model.joint("slider").qposadr[0])
        self._hinge = int(model.joint("hinge").qposadr[0])

    def __call__(self, sims: SimBatch) -> np.ndarray:
        """Whether each sim's pole has fallen, ``(num_envs,)`` bool."""
        angle = sims.qpos[:, self._hinge]
        lean = np.abs(np.arctan2(np.sin(angle), np.cos(angle)))
        return (lean > CartPoleBalance.FALL_ANGLE) | (
            np.abs(sims.qpos[:, self._slider]) > CartPoleBalance.CART_LIMIT
        )
