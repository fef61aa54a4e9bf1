"""Cart-pole swing-up: from hanging down, swing the pole up and balance it with the cart near the centre."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np

from rlkit.config.sim2real import TaskConfig
from rlkit.envs.mujoco_env import MujocoEnv


class CartPoleSwingup(MujocoEnv):
    """A cart on a rail (one force actuator) and a free pole that starts hanging down.

    Observations (sensors): cart position, the pole's axis in the world frame (sin θ, 0, cos θ), cart
    velocity, pole angular velocity. The reward lies in [0, 1] and is the product of smooth terms, so that
    a balanced pole earns 1 only with the cart centred, gentle control and a still pole (as in dm_control):
    ``upright · centred · small_control · small_velocity``.
    """

    MODEL = str(resources.files("rlkit.envs.tasks") / "assets" / "cartpole_swingup.xml")
    TASK = TaskConfig(frame_skip=1, camera="side", init_noise=0.01)

    def __init__(
        self,
        task: TaskConfig | Mapping[str, Any] | None = None,
        render_mode: str | None = None,
        width: int = 480,
        height: int = 480,
    ) -> None:
        super().__init__(task=task, render_mode=render_mode, width=width, height=height)
        self._slider = self.model.joint("slider").qposadr[0]
        self._hinge = self.model.joint("hinge").qposadr[0]
        self._hinge_velocity = self.model.joint("hinge").dofadr[0]

    def reset_state(self) -> None:
        """The pole hangs down (θ = π), with the task's initial-state noise."""
        self.data.qpos[self._hinge] = np.pi
        super().reset_state()

    def reward(self, action: np.ndarray) -> tuple[float, dict[str, float]]:
        """``upright · centred · small_control · small_velocity``, each in [0, 1]."""
        if self.task.reward:  # a task given in the config replaces the built-in reward
            return super().reward(action)
        cos_angle = float(np.cos(self.data.qpos[self._hinge]))
        cart = float(self.data.qpos[self._slider])
        angular_velocity = float(self.data.qvel[self._hinge_velocity])
        upright = (cos_angle + 1.0) / 2.0
        centred = (1.0 + np.exp(-(cart**2) / 2.0)) / 2.0
        small_control = (4.0 + (1.0 - float(np.clip(action[0], -1.0, 1.0)) ** 2)) / 5.0
        small_velocity = (1.0 + np.exp(-(angular_velocity**2) / 50.0)) / 2.0
        terms = {
            "upright": upright,
            "centred": centred,
            "small_control": small_control,
            "small_velocity": small_velocity,
        }
        return upright * centred * small_control * small_velocity, terms


class CartPoleBalance(CartPoleSwingup):
    """Cart-pole balance: the pole starts nearly upright, and the episode ends when it falls.

    The swing-up's cart, pole, sensors, camera and reward; the pole starts within ±0.05 rad (and the state
    within ±0.05) of upright, and the episode terminates when the pole leans more than
    :attr:`FALL_ANGLE` or the cart leaves the close camera's view (:attr:`CART_LIMIT`). A good policy
    collects close to 1 per step; one that lets the pole fall ends within a few dozen steps.
    """

    #: What ``rlkit list envs`` says of this task (the module's docstring describes the swing-up).
    DESCRIPTION = "Cart-pole balance: keep a nearly upright pole up; the episode ends when it falls"
    TASK = TaskConfig(frame_skip=2, camera="side", init_noise=0.05)

    #: Lean from upright (radians) at which the pole has fallen.
    FALL_ANGLE = 0.4
    #: Distance of the cart from the centre (metres) beyond which it leaves the close camera's view.
    CART_LIMIT = 1.4

    def reset_state(self) -> None:
        """The pole upright, with the task's initial-state noise."""
        MujocoEnv.reset_state(self)

    def terminated(self) -> bool:
        if self.task.termination:  # a task given in the config replaces the built-in condition
            return super().terminated()
        lean = abs(
            float(np.arctan2(np.sin(self.data.qpos[self._hinge]), np.cos(self.data.qpos[self._hinge])))
        )
        return lean > self.FALL_ANGLE or abs(float(self.data.qpos[self._slider])) > self.CART_LIMIT
