"""Torque-driven robots under a PD law: a model's ``<motor>`` actuators turned into PD servos at load.

A robot whose XML drives its joints with motors (torque actuators, as most robot descriptions do) is trained
as legged robots are deployed: the policy sets joint targets (offsets from the default pose, as
``joint_offset`` does) and a PD law ``torque = kp (target - q) - kd qdot``, clipped to the motor's torque
limit, runs at the physics rate between two policy steps. The law is written into the model as MuJoCo's own
servo form (a fixed gain ``kp`` and an affine bias ``-kp q - kd qdot``, gear 1, the motor's torque limit as
``forcerange``), so MuJoCo evaluates it at every physics step, on every backend, and PD-gain randomization,
torque-speed curves and the export sidecar treat it as any position servo. With the ``implicitfast`` or
``implicit`` integrator MuJoCo integrates the damping term implicitly, which is what keeps a stiff ``kd``
stable at a coarse timestep; with ``Euler`` it is the explicit law a motor driver runs.
"""

from __future__ import annotations

import re

import mujoco
import numpy as np

from rlkit.config.sim2real import PdGainsConfig
from rlkit.errors import RlkitError

_ONE_DOF = (mujoco.mjtJoint.mjJNT_HINGE, mujoco.mjtJoint.mjJNT_SLIDE)


def motors_as_pd_servos(spec: mujoco.MjSpec, gains: list[PdGainsConfig], where: str) -> None:
    """Turn every actuator of ``spec`` into a PD servo with the gains of the first entry of ``gains`` whose
    ``actuators`` pattern matches its name (fully).

    Raises:
        RlkitError: An actuator is not a motor on a hinge or slide joint, or no entry's pattern matches it
            (names ``where`` and the actuator).
    """
    joints = {joint.name: joint for joint in spec.joints}
    for index, actuator in enumerate(spec.actuators):
        name = actuator.name or f"actuator{index}"
        joint = joints.get(actuator.target) if actuator.trntype == mujoco.mjtTrn.mjTRN_JOINT else None
        if joint is None or joint.type not in _ONE_DOF:
            raise RlkitError(
                f"{where}: pd_torque needs every actuator to drive a hinge or slide joint, and '{name}' "
                "does not"
            )
        is_motor = (
            actuator.gaintype == mujoco.mjtGain.mjGAIN_FIXED
            and actuator.biastype == mujoco.mjtBias.mjBIAS_NONE
            and actuator.dyntype == mujoco.mjtDyn.mjDYN_NONE
        )
        if not is_motor:
            raise RlkitError(
                f"{where}: pd_torque turns <motor> actuators into PD servos, and '{name}' is not a motor (it "
                "has a bias or dynamics: a position actuator already is a servo, use mode joint_offset)"
            )
        entry = next((g for g in gains if re.fullmatch(g.actuators, name)), None)
        if entry is None:
            patterns = ", ".join(repr(g.actuators) for g in gains)
            raise RlkitError(
                f"{where}.gains: no entry's actuators pattern ({patterns}) matches actuator '{name}'"
            )
        _to_servo(actuator, joint, entry)


def _to_servo(actuator: mujoco.MjsActuator, joint: mujoco.MjsJoint, gains: PdGainsConfig) -> None:
    limit = _torque_limit(actuator)
    actuator.gear = np.array([1.0, 0, 0, 0, 0, 0])
    actuator.gainprm[:3] = (gains.kp, 0.0, 0.0)
    actuator.biastype = mujoco.mjtBias.mjBIAS_AFFINE
    actuator.biasprm[:3] = (0.0, -gains.kp, -gains.kd)
    if limit is not None:
        actuator.forcelimited = mujoco.mjtLimited.mjLIMITED_TRUE
        actuator.forcerange[:2] = limit
    # the control is now a joint target: within the joint's range where it has one
    limited = _is_limited(joint.limited, joint.range)
    actuator.ctrllimited = mujoco.mjtLimited.mjLIMITED_TRUE if limited else mujoco.mjtLimited.mjLIMITED_FALSE
    if limited:
        actuator.ctrlrange[:2] = joint.range[:2]


def _is_limited(limited: int, bounds: np.ndarray) -> bool:
    """MuJoCo's rule: limited when said so, or (``auto``, the default) when a range is given."""
    return limited == mujoco.mjtLimited.mjLIMITED_TRUE or (
        limited == mujoco.mjtLimited.mjLIMITED_AUTO and bounds[0] < bounds[1]
    )


def _torque_limit(actuator: mujoco.MjsActuator) -> np.ndarray | None:
    """The motor's largest torques at its joint, ``(low, high)``: its force range (``forcerange``, else the
    forces its ``ctrlrange`` asks for, ``gain * ctrl``) times its gear; None when it has neither."""
    if _is_limited(actuator.forcelimited, actuator.forcerange):
        force = np.array(actuator.forcerange[:2], dtype=float)
    elif _is_limited(actuator.ctrllimited, actuator.ctrlrange):
        force = float(actuator.gainprm[0]) * np.array(actuator.ctrlrange[:2], dtype=float)
    else:
        return None
    return np.sort(force * float(actuator.gear[0]))
