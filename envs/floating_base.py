"""A floating base (a body with a free joint) and a robot's one-degree-of-freedom joints, read from a
model: what legged-robot observation and reward terms are computed from."""

from __future__ import annotations

import mujoco
import numpy as np

from rlkit.errors import RlkitError


def to_body_frame(xmat: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``R^T v`` row by row, ``xmat`` ``(n, 9)`` row-major and ``vector`` ``(n, 3)``: a world vector in the
    body's frame (written out, so that no row's sum depends on the batch's size)."""
    return xmat[:, 0:3] * vector[:, 0:1] + xmat[:, 3:6] * vector[:, 1:2] + xmat[:, 6:9] * vector[:, 2:3]


def free_joint_of(model: mujoco.MjModel, body: int, where: str) -> int:
    """The free joint of ``body`` (a floating base), or a one-line error naming ``where``."""
    for joint in range(model.body_jntadr[body], model.body_jntadr[body] + model.body_jntnum[body]):
        if int(model.jnt_type[joint]) == int(mujoco.mjtJoint.mjJNT_FREE):
            return joint
    name = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, body)
    raise RlkitError(f"{where}: body '{name}' has no free joint (a floating base has <freejoint/>)")


def one_dof_joints(model: mujoco.MjModel) -> list[int]:
    """The model's hinge and slide joints, in order: the joints a legged robot's policy observes."""
    one_dof = (int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE))
    return [j for j in range(model.njnt) if int(model.jnt_type[j]) in one_dof]
