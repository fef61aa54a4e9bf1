"""Vectorized environments for rollouts.

All rlkit vector envs use Gymnasium's ``SAME_STEP`` autoreset mode: when an env's episode ends, ``step``
returns the first observation of its next episode, and the last observation of the finished episode is in
``info["final_obs"]`` (masked by ``info["_final_obs"]``). Agents need that final observation to bootstrap a
truncated episode; :func:`final_observations` puts it back in place.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from rlkit.config.schema import EnvConfig, RolloutConfig

#: A process backend's replacement worker resets env ``i`` with ``seed_i + RESTART_SEED_OFFSET × (restarts of
#: its worker)``: fresh episodes, still a function of the run's seed, far from the seeds of the other envs
#: (``seed + index``), of resumed runs and of evaluation (``seed + 1_000_000``).
RESTART_SEED_OFFSET = 10_000_000


def per_env_seeds(seed: int | list[int | None] | None, num_envs: int) -> list[int | None]:
    """The seed of each env for ``reset(seed=...)``, as Gymnasium's vector envs read it: a list as given,
    an int ``seed`` as ``seed + i`` for env ``i``, None as unseeded.

    Raises:
        ValueError: A list of another length than ``num_envs``.
    """
    if seed is None:
        return [None] * num_envs
    if isinstance(seed, int):
        return [seed + index for index in range(num_envs)]
    if len(seed) != num_envs:
        raise ValueError(f"reset got {len(seed)} seeds for {num_envs} envs")
    return list(seed)


def make_vector_env(
    env_config: EnvConfig,
    num_envs: int,
    rollout: RolloutConfig | None = None,
    render_mode: str | None = None,
) -> gym.vector.VectorEnv:
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
    from rlkit.envs import make_env  # the run wiring imports envs; rlkit's core does not at import time

    backend = "sync" if rollout is None else rollout.backend
    first = make_env(env_config, render_mode=render_mode)
    if backend == "subprocess":
        from rlkit.rollout.subprocess_vector_env import SubprocessVectorEnv

        first.close()
        env: gym.vector.VectorEnv = SubprocessVectorEnv(env_config, num_envs, rollout, render_mode)
    elif backend == "ray":
        from rlkit.rollout.ray_vector_env import RayVectorEnv

        first.close()
        env = RayVectorEnv(env_config, num_envs, rollout, render_mode)
    elif backend == "sync":
        makers = [lambda: first] + [lambda: make_env(env_config, render_mode=render_mode, check=False)] * (
            num_envs - 1
        )
        env = gym.vector.SyncVectorEnv(makers, autoreset_mode=AutoresetMode.SAME_STEP)
    else:
        raise ValueError(f"unknown rollout backend '{backend}' (valid: sync, subprocess, ray)")
    if env.metadata.get("autoreset_mode") != AutoresetMode.SAME_STEP:
        raise RuntimeError("rlkit rollouts need a vector env in SAME_STEP autoreset mode")
    return env


def final_observations(
    next_obs: np.ndarray | dict[str, np.ndarray], infos: dict, dones: np.ndarray
) -> np.ndarray | dict[str, np.ndarray]:
    """``next_obs`` with the finished episodes' last observations in place of their reset observations.

    Works for array observations and for Dict observations (a dict of arrays, one row per env).
    """
    if not dones.any():
        return next_obs
    finished = np.flatnonzero(infos["_final_obs"])
    if isinstance(next_obs, dict):
        real_dict = {key: value.copy() for key, value in next_obs.items()}
        for index in finished:
            for key, value in infos["final_obs"][index].items():
                real_dict[key][index] = value
        return real_dict
    real = next_obs.copy()
    for index in finished:
        real[index] = infos["final_obs"][index]
    return real
