"""A MuJoCo task's observations, rewards, terminations and reset distribution, on a batch's arrays.

:class:`BatchedTask` is compiled from one built :class:`~rlkit.envs.mujoco_env.MujocoEnv` (the template):
its model, task config and spaces, and the class that defines each of its task hooks. A hook defined by
``MujocoEnv`` itself maps to the task-term library on arrays (:mod:`rlkit.envs.batched.task_terms`); one a
shipped task overrides maps to that task's array form (:mod:`rlkit.envs.batched.cartpole_terms`,
:mod:`rlkit.envs.batched.initial_states`). A class that overrides a hook with no array form cannot be
batched yet, and says so in one line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gymnasium as gym
import numpy as np

from rlkit.envs.batched.cartpole_terms import CartPoleFall, CartPoleReward
from rlkit.envs.batched.initial_states import RESET_DISTRIBUTIONS, ResetDistribution
from rlkit.envs.batched.sim_batch import SimBatch
from rlkit.envs.batched.task_terms import ArrayReward, ArrayTermination
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.tasks.cartpole_swingup import CartPoleBalance, CartPoleSwingup
from rlkit.errors import RlkitError

RewardArrays = Callable[[SimBatch, np.ndarray, np.ndarray], tuple[np.ndarray, dict[str, np.ndarray]]]
"""``(sims, action, previous_action) -> (reward, terms)``, each ``(num_envs,)``."""
TerminationArrays = Callable[[SimBatch], np.ndarray]
"""``sims -> terminated``, ``(num_envs,)`` bool."""

#: Hooks whose per-env form only ``MujocoEnv`` may define: the batch does their work itself.
_BASE_ONLY = ("step", "reset", "observation", "body_velocity")


def _defined_by(env_class: type, name: str) -> type:
    """The class of ``env_class``'s MRO whose own body defines ``name``."""
    return next(klass for klass in env_class.__mro__ if name in vars(klass))


def _unsupported(env: MujocoEnv, name: str) -> RlkitError:
    env_class = type(env)
    owner = _defined_by(env_class, name)
    return RlkitError(
        f"rollout.backend batched cannot run {env_class.__module__}.{env_class.__name__}: "
        f"{owner.__name__}.{name} has no array form yet; use rollout.backend sync"
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
        self.reward = self._reward_arrays(env)
        self.terminated = self._termination_arrays(env)
        reset_owner = _defined_by(env_class, "reset_state")
        if reset_owner not in RESET_DISTRIBUTIONS:
            raise _unsupported(env, "reset_state")
        self._reset_state: ResetDistribution = RESET_DISTRIBUTIONS[reset_owner](env)

    def _reward_arrays(self, env: MujocoEnv) -> RewardArrays:
        owner = _defined_by(type(env), "reward")
        if owner is MujocoEnv or (owner is CartPoleSwingup and self.task.reward):
            return ArrayReward(self.model, self.task.reward)
        if owner is CartPoleSwingup:
            return CartPoleReward(self.model)
        raise _unsupported(env, "reward")

    def _termination_arrays(self, env: MujocoEnv) -> TerminationArrays:
        owner = _defined_by(type(env), "terminated")
        if owner is MujocoEnv or (owner is CartPoleBalance and self.task.termination):
            return ArrayTermination(self.model, self.task.termination)
        if owner is CartPoleBalance:
            return CartPoleFall(self.model)
        raise _unsupported(env, "terminated")

    def observation(self, sims: SimBatch, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """The observations of sims ``rows``: sensor readings, then observed qpos, then observed qvel."""
        parts = []
        if self.task.sensors:
            parts.append(sims.sensordata[rows])
        if self.task.qpos:
            parts.append(sims.qpos[rows][:, self._qpos_columns])
        if self.task.qvel:
            parts.append(sims.qvel[rows][:, self._qvel_columns])
        return np.concatenate(parts, axis=1)

    def reset_state(self, sims: SimBatch, ids: np.ndarray, generators: Sequence[np.random.Generator]) -> None:
        """Write the initial state of sims ``ids`` (reset to the model's defaults), drawing from
        ``generators[k]`` for sim ``ids[k]`` as the task's ``reset_state`` draws from its env's generator."""
        self._reset_state(sims, ids, generators)
