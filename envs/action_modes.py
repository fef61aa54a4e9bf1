"""How a task's policy action becomes the actuators' controls, on arrays: for every sim of a batch at once,
or for one env as a batch of one.

``direct`` hands the action to the actuators as it is, within their ``ctrlrange``. ``joint_offset`` is the
legged-robot convention (legged_gym, Isaac Lab, MuJoCo Playground): each position actuator's target is its
joint's angle in the default pose (the task's keyframe) plus ``scale`` times the action, so that a zero
action holds the default pose and the policy learns small corrections around it. Its action space is the
joint targets' ``ctrlrange`` mapped back through that offset and scale.
"""

from __future__ import annotations

from collections.abc import Callable

import gymnasium as gym
import mujoco
import numpy as np

from rlkit.errors import RlkitError

#: The joint types whose angle a position target sets.
_ONE_DOF = (int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE))

ControlArrays = Callable[[np.ndarray], np.ndarray]
"""``actions (num_envs, nu) -> ctrl (num_envs, nu)``, float64."""


def direct_control(actions: np.ndarray) -> np.ndarray:
    """The action is the control."""
    return actions


def default_targets(model: mujoco.MjModel, keyframe: int, where: str) -> np.ndarray:
    """Each actuator's joint angle in keyframe ``keyframe``, ``(nu,)``: the default pose's targets.

    Raises:
        RlkitError: An actuator does not drive a hinge or slide joint (names ``where`` and the actuator).
    """
    targets = np.zeros(model.nu)
    for i in range(model.nu):
        joint = int(model.actuator_trnid[i, 0])
        on_joint = int(model.actuator_trntype[i]) == int(mujoco.mjtTrn.mjTRN_JOINT)
        if not on_joint or int(model.jnt_type[joint]) not in _ONE_DOF:
            name = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_ACTUATOR, i) or f"actuator {i}"
            raise RlkitError(
                f"{where}: joint_offset needs every actuator to drive a hinge or slide joint, and "
                f"'{name}' does not"
            )
        targets[i] = model.key_qpos[keyframe, model.jnt_qposadr[joint]]
    return targets


def joint_offset_control(default: np.ndarray, scale: float) -> ControlArrays:
    """Targets = ``default + scale * action``, row by row."""

    def control(actions: np.ndarray) -> np.ndarray:
        return default + scale * actions

    return control


def joint_offset_space(model: mujoco.MjModel, default: np.ndarray, scale: float) -> gym.spaces.Box:
    """The actions whose targets lie within each actuator's ``ctrlrange`` (unbounded where it has none)."""
    low = np.full(model.nu, -np.inf)
    high = np.full(model.nu, np.inf)
    limited = model.actuator_ctrllimited.astype(bool)
    low[limited] = (model.actuator_ctrlrange[limited, 0] - default[limited]) / scale
    high[limited] = (model.actuator_ctrlrange[limited, 1] - default[limited]) / scale
    return gym.spaces.Box(low.astype(np.float32), high.astype(np.float32), dtype=np.float32)
