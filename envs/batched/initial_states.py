"""The reset distributions of rlkit's MuJoCo tasks, for the sims of a batch that start a new episode.

Each is the array form of a task's ``reset_state`` (:class:`~rlkit.envs.mujoco_env.MujocoEnv` and the
shipped tasks that override it). The random draws come from each env's own generator, in the order its
per-env ``reset_state`` makes them, so that env ``i`` of a batch seeded with ``seed + i`` starts exactly
where a lone ``MujocoEnv`` reset with that seed starts; the arithmetic is then done on the rows of the reset
sims at once. Drawing per env costs one generator call per draw and reset env, only at resets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mujoco
import numpy as np

from rlkit.envs.batched.sim_batch import SimBatch
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.tasks.cartpole_swingup import CartPoleBalance, CartPoleSwingup
from rlkit.envs.tasks.reacher import Reacher

#: MuJoCo's mjMINVAL: a quaternion shorter than this becomes the identity; one within it of unit length
#: is left alone (``mju_normalize4``).
_MINVAL = 1e-15

ResetDistribution = Callable[[SimBatch, np.ndarray, Sequence[np.random.Generator]], None]
"""Writes the initial state of sims ``ids`` (already reset to the model's defaults), drawing from
``generators[k]`` for sim ``ids[k]``."""


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


def init_noise(env: MujocoEnv) -> ResetDistribution:
    """``MujocoEnv.reset_state``: the model's ``qpos0`` and zero velocity plus uniform noise of the task's
    ``init_noise`` on every qpos, then every qvel, quaternions renormalized."""
    noise = env.task.init_noise
    nq, nv = env.model.nq, env.model.nv
    quaternions = quaternion_addresses(env.model)

    def reset(sims: SimBatch, ids: np.ndarray, generators: Sequence[np.random.Generator]) -> None:
        if noise <= 0:
            return
        draws = [(rng.uniform(-noise, noise, nq), rng.uniform(-noise, noise, nv)) for rng in generators]
        qpos = sims.qpos[ids] + np.stack([q for q, _ in draws])
        sims.qpos[ids] = normalize_quaternions(qpos, quaternions)
        sims.qvel[ids] += np.stack([v for _, v in draws])

    return reset


def cartpole_swingup(env: MujocoEnv) -> ResetDistribution:
    """``CartPoleSwingup.reset_state``: the pole hanging down (θ = π), then the task's noise."""
    hinge = int(env.model.joint("hinge").qposadr[0])
    noise = init_noise(env)

    def reset(sims: SimBatch, ids: np.ndarray, generators: Sequence[np.random.Generator]) -> None:
        sims.qpos[ids, hinge] = np.pi
        noise(sims, ids, generators)

    return reset


def reacher(env: MujocoEnv) -> ResetDistribution:
    """``Reacher.reset_state``: the task's noise, then the target uniform over the annulus (by area)."""
    assert isinstance(env, Reacher)
    low, high = env.target_radius
    target = int(env.model.body("target").mocapid[0])
    noise = init_noise(env)

    def reset(sims: SimBatch, ids: np.ndarray, generators: Sequence[np.random.Generator]) -> None:
        noise(sims, ids, generators)
        draws = np.array([(rng.uniform(low**2, high**2), rng.uniform(-np.pi, np.pi)) for rng in generators])
        radius, angle = np.sqrt(draws[:, 0]), draws[:, 1]
        sims.mocap_pos[ids, target, 0] = radius * np.cos(angle)
        sims.mocap_pos[ids, target, 1] = radius * np.sin(angle)

    return reset


#: The array form of each class's own ``reset_state``, by the class that defines it.
RESET_DISTRIBUTIONS: dict[type[MujocoEnv], Callable[[MujocoEnv], ResetDistribution]] = {
    MujocoEnv: init_noise,
    CartPoleSwingup: cartpole_swingup,
    CartPoleBalance: init_noise,  # its reset_state is MujocoEnv's: the pole starts upright
    Reacher: reacher,
}
