"""A test stand: the floating base welded in the air, as a legged robot hangs from a stand to be identified.

Identifying a legged robot's joints (masses, damping, armature, PD gains, delays) from its own motion is done
with the robot lifted off the ground: its legs then swing freely, and the log replays open-loop without the
contacts that make a walking robot's replay diverge. ``env.simulator.hang_base: h`` builds that stand into
the model: the root body's free joint stays (so every base observation still has its frame), every keyframe
lifts the base by ``h``, and a weld equality holds the base at the pose of the task's keyframe (or the XML's,
without one) lifted by ``h``.
"""

from __future__ import annotations

import mujoco
import numpy as np

from rlkit.errors import RlkitError

#: A weld's data: anchor (3), the world's pose relative to the welded body (3 + 4), torque scale, ...
_RELATIVE_POSITION, _RELATIVE_QUATERNION, _TORQUE_SCALE = slice(3, 6), slice(6, 10), 10


def hang_floating_base(spec: mujoco.MjSpec, height: float, keyframe: str | None) -> None:
    """Lift ``spec``'s floating base by ``height`` (m) and weld it there.

    Args:
        spec: The model's spec, before it compiles.
        height: How far above its starting pose the base hangs.
        keyframe: The task's keyframe, whose base pose the stand holds (None: the XML's).

    Raises:
        RlkitError: The model has no floating base (a free joint on a body of the world).
    """
    root = next((body for body in spec.worldbody.bodies if _free_joint(body)), None)
    if root is None:
        raise RlkitError(
            "env.simulator.hang_base: the model has no floating base to hang (a free joint on a body of the "
            "world); a fixed-base robot is already on its stand"
        )
    qpos_address = _qpos_address(spec, root)
    pose = np.concatenate([np.asarray(root.pos, dtype=float), np.asarray(root.quat, dtype=float)])
    for key in spec.keys:
        qpos = np.array(key.qpos, dtype=float)
        if qpos.size:
            if key.name == keyframe:
                pose = qpos[qpos_address : qpos_address + 7].copy()
            qpos[qpos_address + 2] += height
            key.qpos = qpos
    pose[2] += height
    root.pos = [root.pos[0], root.pos[1], root.pos[2] + height]
    weld = spec.add_equality()
    weld.name = "test_stand"
    weld.type = mujoco.mjtEq.mjEQ_WELD
    weld.objtype = mujoco.mjtObj.mjOBJ_BODY
    weld.name1 = root.name
    position, quaternion = pose[:3], pose[3:] / np.linalg.norm(pose[3:])
    inverse = quaternion * np.array([1.0, -1.0, -1.0, -1.0])
    world_in_base = np.zeros(3)
    mujoco.mju_rotVecQuat(world_in_base, -position, inverse)
    data = np.zeros(len(weld.data))
    data[_RELATIVE_POSITION] = world_in_base
    data[_RELATIVE_QUATERNION] = inverse
    data[_TORQUE_SCALE] = 1.0
    weld.data = data


def _free_joint(body: mujoco.MjsBody) -> bool:
    return any(joint.type == mujoco.mjtJoint.mjJNT_FREE for joint in body.joints)


def _qpos_address(spec: mujoco.MjSpec, root: mujoco.MjsBody) -> int:
    """Where the root's free joint starts in qpos: after the joints of the world's earlier bodies."""
    widths = {
        mujoco.mjtJoint.mjJNT_FREE: 7,
        mujoco.mjtJoint.mjJNT_BALL: 4,
        mujoco.mjtJoint.mjJNT_SLIDE: 1,
        mujoco.mjtJoint.mjJNT_HINGE: 1,
    }
    address = 0
    for joint in spec.joints:
        if joint.parent.name == root.name and joint.type == mujoco.mjtJoint.mjJNT_FREE:
            return address
        address += widths[joint.type]
    raise AssertionError("the root's free joint was not found")  # found by hang_floating_base first
