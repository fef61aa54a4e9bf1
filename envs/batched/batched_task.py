"""A MuJoCo task's observations, rewards, terminations and reset distribution, on a batch's arrays.

:class:`BatchedTask` is compiled from one built :class:`~rlkit.envs.mujoco_env.MujocoEnv` (the template):
its model, task config and spaces, and the task's array forms, the very functions the template runs on
itself as a batch of one (``task_reward``, ``task_termination``, ``reset_distribution``). A class that
overrides a per-env hook instead (``reward``, ``terminated``, ``reset_state``, ...) has no array form, and
the batch says so in one line.
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from rlkit.envs.batched.sim_batch import SimBatch
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.errors import RlkitError

#: Per-env hooks only ``MujocoEnv`` may define: the batch does their work itself, or through the task's
#: array forms.
_BASE_ONLY = ("step", "reset", "observation", "reward", "terminated", "reset_state", "body_velocity")


def _defined_by(env_class: type, name: str) -> type:
    """The class of ``env_class``'s MRO whose own body defines ``name``."""
    return next(klass for klass in env_class.__mro__ if name in vars(klass))


def _unsupported(env: MujocoEnv, name: str) -> RlkitError:
    env_class = type(env)
    owner = _defined_by(env_class, name)
    return RlkitError(
        f"rollout.backend batched cannot run {env_class.__module__}.{env_class.__name__}: "
        f"{owner.__name__}.{name} is a per-env hook (define the task on arrays: task_reward, "
        "task_termination, reset_distribution) or use rollout.backend sync"
    )


class BatchedTask:
    """The task of ``env`` computed for every sim of a :class:`SimBatch` at once.

    Args:
        env: A built task env (unwrapped), the template of every sim.

    Raises:
        RlkitError: ``env``'s class overrides a task hook that has no array form.
    """

    def __init__(self, env: MujocoEnv) -> None:
        env_class = type(env)
        for name in _BASE_ONLY:
            if _defined_by(env_class, name) is not MujocoEnv:
                raise _unsupported(env, name)
        self.model = env.model
        self.task = env.task
        self.frame_skip = env.frame_skip
        self.observation_space: gym.spaces.Box = env.observation_space  # type: ignore[assignment]
        self.action_space: gym.spaces.Box = env.action_space  # type: ignore[assignment]
        self.observation_names = list(env.observation_names)
        # the observed joints' columns, as MujocoEnv computed them for its own observation
        self._qpos_columns = env._qpos_index
        self._qvel_columns = env._qvel_index
        self._terms = env.observation_terms
        self._own_sensordata = env._own_sensordata
        self.control = env.task_control()
        #: The motors' torque-speed curves, or None.
        self.torque_speed = env.torque_speed
        self.reward = env.task_reward()
        self.terminated = env.task_termination()
        #: A team task's robots, their rewards and outcomes (``task.team``), or None.
        self.team = env.team
        #: ``sims -> (num_envs,)`` planar velocity tracking error, m/s; None without velocity commands.
        self.tracking_error = env._tracking_error
        self._reset_state = env.reset_distribution()

    def observation(self, sims: SimBatch, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """The observations of sims ``rows``: sensor readings, then observed qpos, then observed qvel, then
        the named observation terms."""
        parts = []
        if self.task.sensors:
            parts.append(sims.sensordata[rows, : self._own_sensordata])
        if self.task.qpos:
            parts.append(sims.qpos[rows][:, self._qpos_columns])
        if self.task.qvel:
            parts.append(sims.qvel[rows][:, self._qvel_columns])
        if self._terms:
            parts.append(self._terms(sims, rows))
        return np.concatenate(parts, axis=1)

    def reset_state(self, sims: SimBatch, ids: np.ndarray, generators: Sequence[np.random.Generator]) -> None:
        """Write the initial state of sims ``ids`` (reset to the model's defaults), drawing from
        ``generators[k]`` for sim ``ids[k]`` as the task's ``reset_state`` draws from its env's generator."""
        self._reset_state(sims, ids, generators)
