"""The ``batched`` backend for Gymnasium's MuJoCo locomotion tasks: ``HalfCheetah-v5``, ``Hopper-v5``,
``Walker2d-v5``, ``Ant-v5`` and ``Humanoid-v5`` as one batch of sims on Gymnasium's own model files.

:class:`GymnasiumBatchedVectorEnv` returns what the ``sync`` backend returns for the same seeds and actions (a
``SyncVectorEnv`` of Gymnasium's own envs in ``SAME_STEP`` autoreset mode): the same observations, rewards,
terminations, truncations at the ``TimeLimit``, and ``info`` (each key Gymnasium's env gives, its ``_key``
mask, ``final_obs`` and ``final_info``), to the bit; the task is computed on arrays
(:mod:`rlkit.envs.batched.gymnasium_locomotion`). Env ``i`` resets from its own generator, seeded with
``seed + i``, with the draws of the env's ``reset_model``. ``env.kwargs`` go to Gymnasium's constructor, which
builds the template env: it rejects an unknown one, and the batch reads every other back from it.
"""

from __future__ import annotations

import os
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space
from pydantic import BaseModel

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs.batched.gymnasium_locomotion import (
    LOCOMOTION_TASKS,
    LocomotionSims,
    LocomotionTask,
    locomotion_task,
)
from rlkit.envs.env_state import encode_attrs, restore_attrs
from rlkit.envs.factory import make_task_env
from rlkit.errors import ConfigError, RlkitError
from rlkit.seeding import reset_envs

#: The ``env`` fields the Gymnasium tasks read; any other (a sim2real layer) has no array form here yet.
TASK_FIELDS = ("id", "kwargs", "max_episode_steps", "task")


def check_no_layers(config: EnvConfig) -> None:
    """Fail in one line naming the first sim2real setting ``config`` makes (``env.sensors.models``).

    Raises:
        ConfigError: ``config`` sets a sim2real layer, which the batched Gymnasium tasks do not run yet.
    """
    default = EnvConfig(id=config.id)
    for section in type(config).model_fields:
        value, nominal = getattr(config, section), getattr(default, section)
        if section in TASK_FIELDS or value == nominal:
            continue
        key = f"env.{section}"
        if isinstance(value, BaseModel) and isinstance(nominal, BaseModel):
            key += next(
                (
                    f".{field}"
                    for field in type(value).model_fields
                    if getattr(value, field) != getattr(nominal, field)
                ),
                "",
            )
        raise ConfigError(
            f"{key} is not supported by rollout.backend batched for Gymnasium's tasks yet (they run without "
            "sim2real layers); use rollout.backend sync"
        )


def is_gymnasium_locomotion(env: gym.Env) -> bool:
    """Whether ``env`` (a built task env, wrapped or not) is one of the Gymnasium tasks batched here."""
    return type(env.unwrapped) in LOCOMOTION_TASKS


def time_limit(env: gym.Env) -> int | None:
    """The episode length a ``TimeLimit`` in ``env``'s wrapper chain truncates at, or None."""
    layer: Any = env
    while isinstance(layer, gym.Wrapper):
        if isinstance(layer, gym.wrappers.TimeLimit):
            return int(layer._max_episode_steps)
        layer = layer.env
    return None


def _rows(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values`` where ``mask`` holds, zeros of its dtype elsewhere."""
    gathered = np.zeros_like(values)
    gathered[mask] = values[mask]
    return gathered


def gather_infos(groups: list[tuple[int, dict[str, Any], np.ndarray]]) -> dict[str, Any]:
    """The info dict ``SyncVectorEnv`` builds from per-env infos, given as groups of envs with the same keys.

    Args:
        groups: ``(first env, {key: (num_envs, ...) values}, mask)`` for each group of envs (those that run
            on, those that ended); ``SyncVectorEnv`` adds keys in the order its envs meet them, so the group
            whose first env comes first orders the dict. A nested dict value is gathered the same way.
    """
    infos: dict[str, Any] = {}
    for _, values, mask in sorted((group for group in groups if group[2].any()), key=lambda group: group[0]):
        for key, value in values.items():
            if isinstance(value, dict):
                infos[key] = gather_infos([(0, value, mask)])
            elif key in infos:
                infos[key][mask] = value[mask]
            else:
                infos[key] = value if value.dtype == object else _rows(value, mask)
            infos[f"_{key}"] = infos.get(f"_{key}", np.zeros(len(mask), dtype=bool)) | mask
    return infos


class GymnasiumBatchedVectorEnv(VectorEnv):
    """``num_envs`` copies of one of Gymnasium's MuJoCo locomotion envs, stepped as one batch.

    Args:
        env_config: The ``env`` section: ``HalfCheetah-v5``, ``Hopper-v5``, ``Walker2d-v5``, ``Ant-v5`` or
            ``Humanoid-v5``, ``env.kwargs`` for Gymnasium's constructor, no sim2real layer.
        num_envs: Envs (sims) in the batch.
        rollout: The ``rollout`` section, for ``threads`` (None: one thread per CPU core).

    Raises:
        ConfigError: The config sets a sim2real layer.
        RlkitError: The env is not one of the five.
    """

    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}  # noqa: RUF012

    def __init__(self, env_config: EnvConfig, num_envs: int, rollout: RolloutConfig | None = None) -> None:
        check_no_layers(env_config)
        template = make_task_env(env_config, check=False)
        task = locomotion_task(template)
        if task is None:
            template.close()
            raise RlkitError(
                "rollout.backend batched runs Gymnasium's HalfCheetah-v5, Hopper-v5, Walker2d-v5, Ant-v5 "
                f"and Humanoid-v5, not '{env_config.id}'; use rollout.backend sync"
            )
        self._template = template.unwrapped
        self.max_episode_steps = time_limit(template)
        self.task: LocomotionTask = task
        threads = (rollout.threads if rollout is not None else None) or os.cpu_count() or 1
        self.sims: LocomotionSims = task.make_sims(num_envs, threads)
        self.num_envs = num_envs
        self.single_observation_space = task.observation_space
        self.single_action_space = task.action_space
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.render_mode = None
        self.spec = template.spec
        self._generators: list[np.random.Generator | None] = [None] * num_envs
        self._elapsed = np.zeros(num_envs, dtype=np.int64)

    @property
    def threads(self) -> int:
        """Threads that step the sims."""
        return self.sims.threads

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode in every env (or those of ``options["reset_mask"]``); env ``i`` is seeded with
        ``seed + i`` (or ``seed[i]`` from a list; None keeps its generator)."""
        _, mask, ids = reset_envs(seed, options, self._generators)
        self._start_episodes(ids)
        infos = gather_infos([(int(ids[0]), self.task.reset_info(self.sims), mask)]) if len(ids) else {}
        return self.task.observation(self.sims), infos

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every env with its row of ``actions``; an env whose episode ends starts its next one in the
        same step (``SAME_STEP``), its last observation in ``info["final_obs"]``, its last info in
        ``info["final_info"]``."""
        action = np.asarray(actions).reshape(self.num_envs, -1)
        self.task.before_step(self.sims)
        self.sims.step(action)
        rewards, terminated, step_info = self.task.step(self.sims, action)
        obs = self.task.observation(self.sims)
        self._elapsed += 1
        truncated = (
            self._elapsed >= self.max_episode_steps
            if self.max_episode_steps is not None
            else np.zeros(self.num_envs, dtype=bool)
        )
        ended = terminated | truncated
        if not ended.any():
            return obs, rewards, terminated, truncated, gather_infos([(0, step_info, ~ended)])
        ids = np.flatnonzero(ended)
        final_obs = np.full(self.num_envs, None, dtype=object)
        for index, row in zip(ids, obs[ids].copy(), strict=True):
            final_obs[index] = row
        self._start_episodes(ids)
        obs[ids] = self.task.observation(self.sims, ids)
        ended_info = {"final_obs": final_obs, "final_info": step_info, **self.task.reset_info(self.sims)}
        running = ~ended
        first_running = int(np.argmax(running)) if running.any() else self.num_envs
        infos = gather_infos([(first_running, step_info, running), (int(ids[0]), ended_info, ended)])
        return obs, rewards, terminated, truncated, infos

    def _start_episodes(self, ids: np.ndarray) -> None:
        """Reset sims ``ids`` as Gymnasium's ``MujocoEnv.reset`` does: ``mj_resetData``, ``reset_model``'s
        draws, ``set_state`` (``mj_forward``)."""
        generators = [
            generator for generator in (self._generators[index] for index in ids) if generator is not None
        ]
        if len(generators) != len(ids):
            raise RuntimeError("GymnasiumBatchedVectorEnv.step before reset: its envs have no generators yet")
        self.sims.reset(ids)
        self.task.reset_state(self.sims, ids, generators)
        self.sims.forward(ids)
        self._elapsed[ids] = 0

    def capture_state(self) -> dict[str, Any]:
        """Every env's state as checkpoint data: the sims' physics state, each env's generator and step
        count, and what the task keeps between steps (see :mod:`rlkit.envs.env_state`)."""
        return {"sims": self.sims.capture(), "env": encode_attrs(self, exclude=("_template", "sims", "spec"))}

    def restore_state(self, state: dict[str, Any]) -> bool:
        """Continue the episodes :meth:`capture_state` saved; False (nothing written) when they do not fit
        this batch."""
        if tuple(state["sims"]["state"].shape) != self.sims.batch.state.shape:
            return False
        restore_attrs(self, state["env"])
        return self.sims.restore(state["sims"])

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """An attribute of the template env, for every env (``dt``, ``frame_skip``, ...).

        Raises:
            RlkitError: ``name`` is a method: the batch holds no per-env env object to call it on.
        """
        return template_attribute(self._template, name, self.num_envs)

    def get_attr(self, name: str) -> tuple[Any, ...]:
        """An attribute of the template env, for every env (see :meth:`call`)."""
        return self.call(name)

    def close_extras(self, **kwargs: Any) -> None:
        """Release the template env."""
        self._template.close()


def template_attribute(template: object, name: str, num_envs: int) -> tuple[Any, ...]:
    """``template.name`` once per env: every sim of a batch shares its template env's attributes.

    Raises:
        RlkitError: ``name`` is a method: the batch holds no per-env env object to call it on.
    """
    value = getattr(template, name)
    if callable(value):
        raise RlkitError(
            f"rollout.backend batched cannot call '{name}' on its envs (the sims have no per-env env "
            "object); use rollout.backend sync"
        )
    return (value,) * num_envs
