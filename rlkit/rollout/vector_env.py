"""Vectorized environments for rollouts, on the backend ``rollout.backend`` names.

Every backend uses Gymnasium's ``SAME_STEP`` autoreset mode (:mod:`rlkit.rollout.autoreset`) and seeds env
``i`` with ``seed + i`` (:mod:`rlkit.rollout.env_seeds`).
"""

from __future__ import annotations

import gymnasium as gym
from gymnasium.vector import AutoresetMode

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs import make_env
from rlkit.errors import RlkitError
from rlkit.rollout.autoreset import final_observations
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.env_seeds import RESTART_SEED_OFFSET, per_env_seeds
from rlkit.rollout.ray_vector_env import RayVectorEnv
from rlkit.rollout.subprocess_vector_env import SubprocessVectorEnv

__all__ = [
    "RESTART_SEED_OFFSET",
    "WORKER_BACKENDS",
    "RolloutVectorEnv",
    "final_observations",
    "make_vector_env",
    "per_env_seeds",
]


#: A vector env on one of the backends: the in-process ``sync`` and ``batched`` ones, or one with worker
#: processes.
RolloutVectorEnv = gym.vector.SyncVectorEnv | BatchedVectorEnv | SubprocessVectorEnv | RayVectorEnv
#: The backends whose envs step in worker processes (which can be lost and replaced).
WORKER_BACKENDS = (SubprocessVectorEnv, RayVectorEnv)


def make_vector_env(
    env_config: EnvConfig,
    num_envs: int,
    rollout: RolloutConfig | None = None,
    render_mode: str | None = None,
) -> RolloutVectorEnv:
    """Build ``num_envs`` copies of the env described by ``env_config`` on the rollout backend.

    The first env is built eagerly, in this process, so that a bad env id fails here with a clear message.
    Seeding happens at ``reset(seed=...)``: env ``i`` gets ``seed + i`` on every backend, so a backend
    changes where envs step, never what they compute.

    Args:
        env_config: The ``env`` section.
        num_envs: Envs stepped in parallel.
        rollout: The ``rollout`` section (None: ``sync``).
        render_mode: Passed to every env.
    """
    backend = "sync" if rollout is None else rollout.backend
    first = make_env(env_config, render_mode=render_mode)
    if backend == "subprocess":
        first.close()
        env: RolloutVectorEnv = SubprocessVectorEnv(env_config, num_envs, rollout, render_mode)
    elif backend == "ray":
        first.close()
        env = RayVectorEnv(env_config, num_envs, rollout, render_mode)
    elif backend == "batched":
        first.close()
        if render_mode is not None:
            raise RlkitError("rollout.backend batched does not render yet; use rollout.backend sync")
        env = BatchedVectorEnv(env_config, num_envs, rollout)
    elif backend == "sync":
        makers = [lambda: first] + [lambda: make_env(env_config, render_mode=render_mode, check=False)] * (
            num_envs - 1
        )
        env = gym.vector.SyncVectorEnv(makers, autoreset_mode=AutoresetMode.SAME_STEP)
    else:
        raise ValueError(f"unknown rollout backend '{backend}' (valid: sync, subprocess, ray, batched)")
    if env.metadata.get("autoreset_mode") != AutoresetMode.SAME_STEP:
        raise RuntimeError("rlkit rollouts need a vector env in SAME_STEP autoreset mode")
    return env
