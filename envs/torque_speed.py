"""Motors' torque-speed curves, on arrays: each actuator's torque limit falls with its joint's speed.

An electric motor gives its full torque up to some speed and none at its top speed (the back-EMF eats the
supply voltage); a simulator's constant ``forcerange`` lets a policy spin joints faster under load than the
robot can. :class:`TorqueSpeedLimits` computes every sim's limits from its joints' speeds once per control
step (the substeps in between keep them), to be written into the actuators' ``forcerange``.
"""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import numpy as np

from rlkit.config.sim2real import TorqueSpeedConfig
from rlkit.envs.contact_sensors import matching_names
from rlkit.envs.model_names import entity_names
from rlkit.envs.sim_arrays import SimArrays
from rlkit.errors import RlkitError


class TorqueSpeedLimits:
    """The ``forcerange`` of every actuator of every sim at its joint's current speed.

    Args:
        model: The compiled model; each selected actuator drives a joint and has a ``forcerange``.
        curves: The declared curves (``env.task.action.torque_speed``); an actuator in none keeps its range.

    Raises:
        RlkitError: A curve selects no actuator, one selected twice, or one without a joint or a forcerange.
    """

    def __init__(self, model: mujoco.MjModel, curves: Sequence[TorqueSpeedConfig]) -> None:
        names = entity_names(model, mujoco.mjtObj.mjOBJ_ACTUATOR)
        self.nominal = model.actuator_forcerange.copy()
        self.full_speed = np.full(model.nu, np.inf)
        self.max_speed = np.full(model.nu, np.inf)
        seen: set[str] = set()
        for i, curve in enumerate(curves):
            where = f"env.task.action.torque_speed[{i}].actuators"
            for name in matching_names(names, curve.actuators, where, "actuator"):
                actuator = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_ACTUATOR, name)
                if name in seen:
                    raise RlkitError(f"{where}: actuator '{name}' is in two torque-speed curves")
                seen.add(name)
                if model.actuator_trntype[actuator] != mujoco.mjtTrn.mjTRN_JOINT:
                    raise RlkitError(f"{where}: actuator '{name}' drives no joint")
                if not model.actuator_forcelimited[actuator]:
                    raise RlkitError(f"{where}: actuator '{name}' has no forcerange to limit")
                self.full_speed[actuator] = curve.full_torque_speed
                self.max_speed[actuator] = curve.max_speed
        joints = model.actuator_trnid[:, 0]
        self._dofs = np.where(joints >= 0, model.jnt_dofadr[np.maximum(joints, 0)], 0)
        self._limited = np.isfinite(self.max_speed)
        # the speed range over which the torque falls (1 where no curve limits an actuator: never used)
        self._span = np.ones(model.nu)
        self._span[self._limited] = self.max_speed[self._limited] - self.full_speed[self._limited]

    def __bool__(self) -> bool:
        return bool(self._limited.any())

    def __call__(self, sims: SimArrays) -> np.ndarray:
        """Every sim's actuator force ranges, ``(num_envs, nu, 2)``: the nominal range times the share of
        torque left at each joint's speed (1 up to the full-torque speed, 0 at the top speed)."""
        speed = np.abs(sims.qvel[:, self._dofs])
        left = np.clip((self.max_speed - speed) / self._span, 0.0, 1.0)
        left = np.where(self._limited, left, 1.0)
        return self.nominal * left[..., None]
