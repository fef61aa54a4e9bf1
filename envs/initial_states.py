"""Reset distributions: the initial state of the sims that start an episode, on arrays.

A reset distribution writes the initial state of sims ``ids`` (already reset to the model's defaults) into a
:class:`~rlkit.envs.sim_arrays.SimArrays`, drawing from ``generators[k]`` for sim ``ids[k]``: a batch draws
from each env's own generator in the order a lone env draws from it, so env ``i`` of a batch seeded with
``seed + i`` starts exactly where a lone env reset with that seed starts, and the arithmetic is then done on
the rows of the reset sims at once. Drawing per env costs one generator call per draw and reset env, only at
resets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mujoco
import numpy as np

from rlkit.envs.sim_arrays import SimArrays

#: MuJoCo's mjMINVAL: a quaternion shorter than this becomes the identity; one within it of unit length
#: is left alone (``mju_normalize4``).
_MINVAL = 1e-15

ResetDistribution = Callable[[SimArrays, np.ndarray, Sequence[np.random.Generator]], None]
"""``(sims, ids, generators)``: writes the initial state of sims ``ids`` (already reset to the model's
defaults), drawing from ``generators[k]`` for sim ``ids[k]``."""


def quaternion_addresses(model: mujoco.MjModel) -> np.ndarray:
    """The qpos address of every quaternion of the model (free and ball joints), ``(n,)``."""
    addresses = []
    for joint in range(model.njnt):
        kind = model.jnt_type[joint]
        if kind == mujoco.mjtJoint.mjJNT_FREE:
            addresses.append(model.jnt_qposadr[joint] + 3)
        elif kind == mujoco.mjtJoint.mjJNT_BALL:
            addresses.append(model.jnt_qposadr[joint])
    return np.asarray(addresses, dtype=np.int64)


def normalize_quaternions(qpos: np.ndarray, addresses: np.ndarray) -> np.ndarray:
    """``mj_normalizeQuat`` on rows of qpos ``(k, nq)``: each quaternion as ``mju_normalize4`` leaves it."""
    for address in addresses:
        quat = qpos[:, address : address + 4]
        # summed in pairs, as MuJoCo's compiled mju_dot4 sums (checked to the bit against mj_normalizeQuat)
        squares = quat * quat
        norm = np.sqrt((squares[:, 0] + squares[:, 1]) + (squares[:, 2] + squares[:, 3]))
        tiny = norm < _MINVAL
        scale = ~tiny & (np.abs(norm - 1.0) > _MINVAL)
        quat[scale] *= (1.0 / norm[scale])[:, None]
        quat[tiny] = (1.0, 0.0, 0.0, 0.0)
    return qpos


def floating_base_mask(model: mujoco.MjModel) -> tuple[np.ndarray, np.ndarray]:
    """Which qpos and qvel entries belong to joints other than free joints, ``(nq,)`` and ``(nv,)`` bool:
    the entries initial-state noise may move without lifting, sinking or tilting a floating base."""
    qpos, qvel = np.ones(model.nq, dtype=bool), np.ones(model.nv, dtype=bool)
    for joint in np.flatnonzero(model.jnt_type == mujoco.mjtJoint.mjJNT_FREE):
        qpos[model.jnt_qposadr[joint] : model.jnt_qposadr[joint] + 7] = False
        qvel[model.jnt_dofadr[joint] : model.jnt_dofadr[joint] + 6] = False
    return qpos, qvel


def init_noise(model: mujoco.MjModel, noise: float, keyframe: int | None = None) -> ResetDistribution:
    """The default initial state: the model's ``qpos0`` at rest, or keyframe ``keyframe``'s ``qpos``, ``qvel``
    (and ``act``), plus uniform noise of half-width ``noise`` on every qpos, then every qvel (each sim drawing
    from its own generator in that order) except those of free joints: a floating base starts where the
    model or keyframe puts it, neither tilted nor sunk. Quaternions are renormalized as
    ``mj_normalizeQuat`` does."""
    nq, nv = model.nq, model.nv
    quaternions = quaternion_addresses(model)
    moved_qpos, moved_qvel = floating_base_mask(model)
    start = None if keyframe is None else (model.key_qpos[keyframe].copy(), model.key_qvel[keyframe].copy())
    start_act = None if keyframe is None or model.na == 0 else model.key_act[keyframe].copy()

    def reset(sims: SimArrays, ids: np.ndarray, generators: Sequence[np.random.Generator]) -> None:
        if start is not None:
            sims.qpos[ids] = start[0]
            sims.qvel[ids] = start[1]
        if start_act is not None:  # actuators with dynamics (a lag) start where the keyframe has them
            sims.act[ids] = start_act
        if noise <= 0:
            return
        draws = [(rng.uniform(-noise, noise, nq), rng.uniform(-noise, noise, nv)) for rng in generators]
        qpos = sims.qpos[ids] + np.stack([q for q, _ in draws]) * moved_qpos
        sims.qpos[ids] = normalize_quaternions(qpos, quaternions)
        sims.qvel[ids] += np.stack([v for _, v in draws]) * moved_qvel

    return reset
