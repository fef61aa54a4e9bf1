"""Cart-pole swing-up: from hanging down, swing the pole up and balance it with the cart near the centre."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import mujoco
import numpy as np

from rlkit.config.sim2real import TaskConfig
from rlkit.config.simulator import SimulatorConfig
from rlkit.envs.initial_states import ResetDistribution, init_noise
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.sim_arrays import SimArrays
from rlkit.envs.task_terms import RewardArrays, TerminationArrays


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
        simulator: SimulatorConfig | Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(task=task, render_mode=render_mode, width=width, height=height, simulator=simulator)

    def task_reward(self) -> RewardArrays:
        """``upright · centred · small_control · small_velocity``, each in [0, 1] (a reward given in the
        config replaces it)."""
        if self.task.reward:
            return super().task_reward()
        return CartPoleReward(self.model)

    def reset_distribution(self) -> ResetDistribution:
        """The pole hangs down (θ = π), with the task's initial-state noise."""
        hinge = int(self.model.joint("hinge").qposadr[0])
        noise = init_noise(self.model, self.task.init_noise)

        def reset(sims: SimArrays, ids: np.ndarray, generators: Sequence[np.random.Generator]) -> None:
            sims.qpos[ids, hinge] = np.pi
            noise(sims, ids, generators)

        return reset


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

    def reset_distribution(self) -> ResetDistribution:
        """The pole upright, with the task's initial-state noise."""
        return init_noise(self.model, self.task.init_noise)

    def task_termination(self) -> TerminationArrays:
        """The pole has fallen or the cart has left the view (a termination given in the config replaces
        it)."""
        if self.task.termination:
            return super().task_termination()
        return CartPoleFall(self.model)


class CartPoleReward:
    """``upright · centred · small_control · small_velocity`` of every sim, each term in [0, 1]."""

    def __init__(self, model: mujoco.MjModel) -> None:
        self._slider = int(model.joint("slider").qposadr[0])
        self._hinge = int(model.joint("hinge").qposadr[0])
        self._hinge_velocity = int(model.joint("hinge").dofadr[0])

    def __call__(
        self, sims: SimArrays, action: np.ndarray, previous_action: np.ndarray
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

    def __call__(self, sims: SimArrays) -> np.ndarray:
        """Whether each sim's pole has fallen, ``(num_envs,)`` bool."""
        angle = sims.qpos[:, self._hinge]
        lean = np.abs(np.arctan2(np.sin(angle), np.cos(angle)))
        return (lean > CartPoleBalance.FALL_ANGLE) | (
            np.abs(sims.qpos[:, self._slider]) > CartPoleBalance.CART_LIMIT
        )
