"""The ``batched`` rollout backend: the N envs of an rlkit MuJoCo task as N sims stepped by one call.

:class:`BatchedVectorEnv` is a Gymnasium ``VectorEnv`` that computes what the ``sync`` backend computes for
the same seeds and actions (``SyncVectorEnv`` of ``MujocoEnv``s in ``SAME_STEP`` autoreset mode): the same
observations, rewards, terminations, truncations, ``info["final_obs"]`` and ``info["reward_terms"]``, to the
bit. The sims step together in MuJoCo's C thread pool (:class:`~rlkit.envs.batched.sim_batch.SimBatch`, on
``rollout.threads`` threads), and the task is computed on the batch's arrays
(:class:`~rlkit.envs.batched.batched_task.BatchedTask`): Python runs once per vector step, not once per env.
Env ``i`` resets from its own generator, seeded with ``seed + i`` (:mod:`rlkit.rollout.env_seeds`), as a
``MujocoEnv`` does, so that resets draw the same initial states as on every other backend.

The task runs without sim2real layers for now: a config that sets one fails at construction
(:mod:`rlkit.rollout.batched.batchable_config`).

Gymnasium's MuJoCo locomotion tasks (``HalfCheetah-v5``, ``Hopper-v5``, ``Walker2d-v5``, ``Ant-v5``,
``Humanoid-v5``) run as a :class:`~rlkit.rollout.batched.gymnasium_vector_env.GymnasiumBatchedVectorEnv`, to
which this env hands its calls.
"""

from __future__ import annotations

import os
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs.batched import BatchedTask, SimBatch
from rlkit.envs.factory import make_task_env
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.errors import RlkitError
from rlkit.rollout.batched.batchable_config import check_batchable
from rlkit.rollout.batched.gymnasium_vector_env import GymnasiumBatchedVectorEnv, is_gymnasium_locomotion
from rlkit.rollout.env_seeds import per_env_seeds


def _time_limit(env: gym.Env) -> int | None:
    """The episode length a ``TimeLimit`` in ``env``'s wrapper chain truncates at, or None."""
    layer: Any = env
    while isinstance(layer, gym.Wrapper):
        if isinstance(layer, gym.wrappers.TimeLimit):
            return int(layer._max_episode_steps)
        layer = layer.env
    return None


def _masked(values: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    """Per-env values as ``SyncVectorEnv`` gathers an info dict: each key's values (0 where ``mask`` is
    False), then its mask ``_key``."""
    gathered: dict[str, np.ndarray] = {}
    for key, value in values.items():
        gathered[key] = np.where(mask, value, 0.0)
        gathered[f"_{key}"] = mask.copy()
    return gathered


class BatchedVectorEnv(VectorEnv):
    """``num_envs`` copies of the MuJoCo task ``env_config`` describes, stepped as one batch.

    Args:
        env_config: The ``env`` section: an rlkit MuJoCo task (``rlkit/...`` id, ``robot.xml`` with
            ``env.task``, or a ``MujocoEnv`` subclass whose task hooks have array forms), no sim2real layer.
        num_envs: Envs (sims) in the batch.
        rollout: The ``rollout`` section, for ``threads`` (None: one thread per CPU core).

    Raises:
        ConfigError: The config sets a sim2real layer the backend cannot run yet.
        RlkitError: The env is not a ``MujocoEnv``, or overrides a task hook with no array form.
    """

    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}  # noqa: RUF012

    def __init__(self, env_config: EnvConfig, num_envs: int, rollout: RolloutConfig | None = None) -> None:
        check_batchable(env_config)
        template = make_task_env(env_config, check=False)
        task_env = template.unwrapped
        #: Gymnasium's locomotion task as its own batched env, which this one hands its calls to; or None.
        self.gymnasium: GymnasiumBatchedVectorEnv | None = None
        if is_gymnasium_locomotion(template):
            template.close()
            self._hand_to(GymnasiumBatchedVectorEnv(env_config, num_envs, rollout))
            return
        if not isinstance(task_env, MujocoEnv):
            template.close()
            raise RlkitError(
                "rollout.backend batched runs rlkit's MuJoCo tasks (MujocoEnv) and Gymnasium's "
                "HalfCheetah-v5, Hopper-v5, Walker2d-v5, Ant-v5 and Humanoid-v5, but environment "
                f"'{env_config.id}' is {type(task_env).__name__}; use rollout.backend sync"
            )
        self._template = task_env
        self.max_episode_steps = _time_limit(template)
        self.task = BatchedTask(task_env)
        threads = (rollout.threads if rollout is not None else None) or os.cpu_count() or 1
        self.sims = SimBatch(task_env.model, num_envs, task_env.frame_skip, threads)
        self.num_envs = num_envs
        self.single_observation_space = self.task.observation_space
        self.single_action_space = self.task.action_space
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.render_mode = None
        self.spec = template.spec
        #: Each env's generator (seeded at reset, as ``gym.Env.np_random``), its steps in the episode and
        #: its previous action (for action-rate costs).
        self._generators: list[np.random.Generator | None] = [None] * num_envs
        self._elapsed = np.zeros(num_envs, dtype=np.int64)
        self._previous_action = np.zeros((num_envs, task_env.model.nu))

    def _hand_to(self, env: GymnasiumBatchedVectorEnv) -> None:
        """Take ``env``'s spaces and time limit, and hand it every call."""
        self.gymnasium = env
        self.max_episode_steps = env.max_episode_steps
        self.num_envs = env.num_envs
        self.single_observation_space = env.single_observation_space
        self.single_action_space = env.single_action_space
        self.observation_space, self.action_space = env.observation_space, env.action_space
        self.render_mode, self.spec = None, env.spec

    @property
    def threads(self) -> int:
        """Threads that step the sims."""
        return self.gymnasium.threads if self.gymnasium is not None else self.sims.threads

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode in every env (or those of ``options["reset_mask"]``); env ``i`` is seeded with
        ``seed + i`` (or ``seed[i]`` from a list; None keeps its generator)."""
        if self.gymnasium is not None:
            return self.gymnasium.reset(seed=seed, options=options)
        seeds = per_env_seeds(seed, self.num_envs)
        mask = np.ones(self.num_envs, dtype=bool)
        if options is not None and "reset_mask" in options:
            mask = np.asarray(options["reset_mask"], dtype=bool).reshape(self.num_envs)
        ids = np.flatnonzero(mask)
        for index in ids:
            if seeds[index] is not None or self._generators[index] is None:
                self._generators[index] = seeding.np_random(seeds[index])[0]
        self._start_episodes(ids)
        return self.task.observation(self.sims), {}

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every env with its row of ``actions``; an env whose episode ends starts its next one in the
        same step (``SAME_STEP``), its last observation in ``info["final_obs"]``."""
        if self.gymnasium is not None:
            return self.gymnasium.step(actions)
        action = np.asarray(actions, dtype=np.float64).reshape(self.num_envs, -1)
        self.sims.step(action)
        rewards, terms = self.task.reward(self.sims, action, self._previous_action)
        terminated = self.task.terminated(self.sims)
        self._previous_action[...] = action
        obs = self.task.observation(self.sims)
        self._elapsed += 1
        truncated = (
            self._elapsed >= self.max_episode_steps
            if self.max_episode_steps is not None
            else np.zeros(self.num_envs, dtype=bool)
        )
        ended = terminated | truncated
        infos: dict[str, Any] = {}
        running = ~ended
        if running[0] and running.any():  # SyncVectorEnv adds keys in the order env 0 meets them
            infos["reward_terms"], infos["_reward_terms"] = _masked(terms, running), running
        if ended.any():
            ids = np.flatnonzero(ended)
            final_obs = np.full(self.num_envs, None, dtype=object)
            for index, row in zip(ids, obs[ids].copy(), strict=True):
                final_obs[index] = row
            infos["final_obs"], infos["_final_obs"] = final_obs, ended.copy()
            infos["final_info"] = {"reward_terms": _masked(terms, ended), "_reward_terms": ended.copy()}
            infos["_final_info"] = ended.copy()
            self._start_episodes(ids)
            obs[ids] = self.task.observation(self.sims, ids)
            if not running[0] and running.any():
                infos["reward_terms"], infos["_reward_terms"] = _masked(terms, running), running
        return obs, rewards, terminated, truncated, infos

    def _start_episodes(self, ids: np.ndarray) -> None:
        """Reset sims ``ids`` as ``MujocoEnv.reset`` does: defaults, the initial state, ``mj_forward``."""
        self.sims.reset(ids)
        generators = [
            generator for generator in (self._generators[index] for index in ids) if generator is not None
        ]
        if len(generators) != len(ids):
            raise RuntimeError("BatchedVectorEnv.step before reset: its envs have no generators yet")
        self.task.reset_state(self.sims, ids, generators)
        self.sims.forward(ids)
        self._previous_action[ids] = 0.0
        self._elapsed[ids] = 0

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """An attribute of the task env, for every env (``dt``, ``observation_names``, ``task``, ...): the
        same for all sims of the batch.

        Raises:
            RlkitError: ``name`` is a method: the batch holds no per-env env object to call it on.
        """
        if self.gymnasium is not None:
            return self.gymnasium.call(name, *args, **kwargs)
        value = getattr(self._template, name)
        if callable(value):
            raise RlkitError(
                f"rollout.backend batched cannot call '{name}' on its envs (the sims have no per-env env "
                "object); use rollout.backend sync"
            )
        return (value,) * self.num_envs

    def get_attr(self, name: str) -> tuple[Any, ...]:
        """An attribute of the task env, for every env (see :meth:`call`)."""
        return self.call(name)

    def close_extras(self, **kwargs: Any) -> None:
        """Release the template env."""
        (self.gymnasium or self._template).close()
