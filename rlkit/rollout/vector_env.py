"""Vectorized environments for rollouts, on the backend ``rollout.backend`` names (``auto``: ``batched``
where it can run the env, else ``sync``).

Every backend uses Gymnasium's ``SAME_STEP`` autoreset mode (:mod:`rlkit.rollout.autoreset`) and seeds env
``i`` with ``seed + i`` (:mod:`rlkit.rollout.env_seeds`).
"""

from __future__ import annotations

import gymnasium as gym
from gymnasium.vector import AutoresetMode

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs import make_env
from rlkit.envs.multi_agent import ParallelGame
from rlkit.rollout.agent_rows import AgentRowsVectorEnv
from rlkit.rollout.autoreset import final_observations
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.env_seeds import RESTART_SEED_OFFSET
from rlkit.rollout.in_process_vector_env import (
    IN_PROCESS_BACKENDS,
    describe_auto_choice,
    make_in_process_vector_env,
)
from rlkit.rollout.ray_vector_env import RayVectorEnv
from rlkit.rollout.subprocess_vector_env import SubprocessVectorEnv
from rlkit.seeding import per_env_seeds

__all__ = [
    "RESTART_SEED_OFFSET",
    "WORKER_BACKENDS",
    "RolloutVectorEnv",
    "describe_backend_choice",
    "final_observations",
    "make_vector_env",
    "per_env_seeds",
]


#: A vector env on one of the backends: the in-process ``sync`` and ``batched`` ones, or one with worker
#: processes.
RolloutVectorEnv = (
    gym.vector.SyncVectorEnv | BatchedVectorEnv | SubprocessVectorEnv | RayVectorEnv | AgentRowsVectorEnv
)
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
        rollout: The ``rollout`` section (None: ``sync``). ``auto`` builds a ``batched`` env where that
            backend can run the env and no render mode is asked for, else a ``sync`` one
            (:mod:`rlkit.rollout.in_process_vector_env`).
        render_mode: Passed to every env.

    A multi-agent game (a PettingZoo env) gives ``num_envs`` games as one row per agent
    (:class:`~rlkit.rollout.agent_rows.AgentRowsVectorEnv`): ``num_envs`` times its agents rows.
    """
    backend = "sync" if rollout is None else rollout.backend
    first = make_env(env_config, render_mode=render_mode)
    game = first.unwrapped if isinstance(first.unwrapped, ParallelGame) else None
    if backend == "subprocess":
        first.close()
        env: RolloutVectorEnv = SubprocessVectorEnv(env_config, num_envs, rollout, render_mode)
    elif backend == "ray":
        first.close()
        env = RayVectorEnv(env_config, num_envs, rollout, render_mode)
    elif backend in IN_PROCESS_BACKENDS:
        env = make_in_process_vector_env(env_config, num_envs, backend, rollout, render_mode, first)
    else:
        raise ValueError(f"unknown rollout backend '{backend}' (valid: sync, subprocess, ray, batched, auto)")
    if env.metadata.get("autoreset_mode") != AutoresetMode.SAME_STEP:
        raise RuntimeError("rlkit rollouts need a vector env in SAME_STEP autoreset mode")
    if game is not None:  # a multi-agent game: its agents become rows of one shared policy
        return AgentRowsVectorEnv(
            env,
            game.agent_names,
            game.agent_observation_space,
            game.agent_action_space,
            env_config.agents.agent_id,
        )
    return env


def describe_backend_choice(
    env: RolloutVectorEnv, env_config: EnvConfig, rollout: RolloutConfig
) -> str | None:
    """The backend ``rollout`` left rlkit to choose and what it chose for ``env``, in one line for a run's
    log: ``rollout.backend auto`` (batched or sync, and why), or the ray workers' ``rollout.worker_backend``;
    None when the config named the backend itself, or ``auto`` had no choice (an env that is not a MuJoCo
    sim)."""
    if rollout.backend == "auto":
        choice = describe_auto_choice(env, env_config)
        return None if choice is None else f"rollout.backend auto: {choice}"
    if isinstance(env, RayVectorEnv) and rollout.worker_backend != "sync":
        return (
            f"rollout.worker_backend {rollout.worker_backend}: {env.num_workers} ray workers, each stepping "
            f"{env.envs_per_worker} envs on {env.worker_backend}"
        )
    return None
