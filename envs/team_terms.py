"""A team task's per-robot rewards and its win, loss and success conditions, on arrays: for every sim of a
batch at once, or for one env as a batch of one.

A team task (``task.team``, :class:`~rlkit.config.sim2real.TeamConfig`) names its robots by prefix. Each
robot's own reward terms are compiled once per robot with ``{robot}`` replaced by its prefix, and computed
on the action its own actuators received (the other columns zero), so that a control cost is its own; the
team's reward (the task's ``reward``) is paid to every robot. A ``lose`` condition met by some robots but
not all makes them lose and the others win; met by all at once, it is a draw. The ``success`` conditions
are the team's goal, met when all of them hold. Either ends the episode: :meth:`TeamTerms.ended` is part of
the task's termination.
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

from rlkit.config.sim2real import (
    ActuatorForcesTerm,
    JointAccelerationsTerm,
    JointLimitsTerm,
    TaskConfig,
    TeamConfig,
    for_robot,
)
from rlkit.envs.model_names import entity_names
from rlkit.envs.sim_arrays import SimArrays
from rlkit.envs.task_terms import RewardTerms, TerminationTerms
from rlkit.errors import RlkitError

#: Reward terms over every joint or actuator of the model, which a robot's own terms cannot restrict to it.
_WHOLE_MODEL_TERMS = (ActuatorForcesTerm, JointLimitsTerm, JointAccelerationsTerm)


def agent_name(prefix: str) -> str:
    """The agent a robot's prefix names: the prefix without trailing separators (``red_`` → ``red``)."""
    return prefix.rstrip("_-./:") or prefix


@dataclass
class TeamStep:
    """What a team's step paid and decided, for each sim."""

    #: ``(num_envs, robots)``: the team's reward, plus each robot's own terms and outcome.
    agent_rewards: np.ndarray
    #: ``(num_envs, robots)``: the robots that met a ``lose`` condition.
    lost: np.ndarray
    #: ``(num_envs,)``: whether the team's goal (every ``success`` condition) was met.
    succeeded: np.ndarray


class TeamTerms:
    """The team of ``task.team`` on arrays: its robots' actuators, their rewards and the episode's end.

    Args:
        model: The compiled model (the env added the contact sensors the terms read).
        task: The task, with ``team`` set.

    Raises:
        RlkitError: An actuator belongs to no robot, a robot has no actuator, two prefixes name one agent,
            a robot's own term sums over the whole model, or a term names what the model lacks.
    """

    def __init__(self, model: mujoco.MjModel, task: TaskConfig) -> None:
        assert task.team is not None
        self.config: TeamConfig = task.team
        prefixes = self.config.robots
        if not prefixes:
            raise RlkitError(
                "env.task.team.robots: name each robot's prefix, two or more (e.g. [red_, blue_])"
            )
        #: The agents, one per robot, named after its prefix.
        self.agent_names = tuple(agent_name(prefix) for prefix in prefixes)
        if len(set(self.agent_names)) != len(prefixes):
            raise RlkitError(f"env.task.team.robots {prefixes} name the same agent twice")
        #: Each robot's actuator indices, in the model's order.
        self.actuators = robot_actuators(model, prefixes)
        for i, term in enumerate(self.config.reward):
            if isinstance(term, _WHOLE_MODEL_TERMS):
                raise RlkitError(
                    f"env.task.team.reward[{i}]: {term.term} sums over every robot's joints or actuators; "
                    "give it in env.task.reward (the team's terms) instead"
                )
        self._own = [
            RewardTerms(
                model, [for_robot(t, prefix) for t in self.config.reward], "env.task.team.reward", task
            )
            for prefix in prefixes
        ]
        self._lose = [
            TerminationTerms(model, [for_robot(t, prefix) for t in self.config.lose], "env.task.team.lose")
            for prefix in prefixes
        ]
        # the team's goal is met when every one of its conditions holds: one TerminationTerms each, after
        # the whole list is compiled once for its errors' config paths
        TerminationTerms(model, self.config.success, "env.task.team.success")
        self._success = [TerminationTerms(model, [term]) for term in self.config.success]

    def lost(self, sims: SimArrays) -> np.ndarray:
        """``(num_envs, robots)``: the robots that meet a ``lose`` condition now."""
        if not self.config.lose:
            return np.zeros((sims.num_envs, len(self._lose)), dtype=bool)
        return np.stack([lose(sims) for lose in self._lose], axis=1)

    def succeeded(self, sims: SimArrays) -> np.ndarray:
        """``(num_envs,)``: whether the team's goal is met now."""
        if not self._success:
            return np.zeros(sims.num_envs, dtype=bool)
        met = self._success[0](sims)
        for condition in self._success[1:]:
            met = met & condition(sims)
        return met

    def ended(self, sims: SimArrays) -> np.ndarray:
        """``(num_envs,)``: whether a robot lost or the team succeeded (part of the task's termination)."""
        return self.lost(sims).any(axis=1) | self.succeeded(sims)

    def __call__(
        self, sims: SimArrays, action: np.ndarray, previous_action: np.ndarray, team_reward: np.ndarray
    ) -> TeamStep:
        """Each robot's reward for the step just taken: ``action`` and ``previous_action`` are the joint
        actions the actuators received, ``(num_envs, nu)``; ``team_reward`` is the task's, ``(num_envs,)``."""
        own = np.zeros((sims.num_envs, len(self._own)))
        for robot, columns in enumerate(self.actuators):
            mine, before = np.zeros_like(action), np.zeros_like(previous_action)
            mine[:, columns], before[:, columns] = action[:, columns], previous_action[:, columns]
            own[:, robot] = self._own[robot](sims, mine, before)[0]
        if self.config.zero_sum:
            others = (own.sum(axis=1, keepdims=True) - own) / (own.shape[1] - 1)
            own = own - others
        lost = self.lost(sims)
        succeeded = self.succeeded(sims)
        decided = lost.any(axis=1, keepdims=True) & ~lost.all(axis=1, keepdims=True)  # all at once: a draw
        outcome = np.where(decided, np.where(lost, self.config.lose_reward, self.config.win_reward), 0.0)
        outcome = outcome + np.where(succeeded, self.config.success_reward, 0.0)[:, None]
        rewards = np.asarray(team_reward, dtype=np.float64)[:, None] + own + outcome
        return TeamStep(rewards, lost, succeeded)


def robot_actuators(model: mujoco.MjModel, prefixes: list[str]) -> list[np.ndarray]:
    """Each robot's actuator indices; every actuator must belong to one robot."""
    names = [mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_ACTUATOR, i) or "" for i in range(model.nu)]
    owned: list[list[int]] = [[] for _ in prefixes]
    for index, actuator in enumerate(names):
        owners = [robot for robot, prefix in enumerate(prefixes) if actuator.startswith(prefix)]
        if not owners:
            label = f"'{actuator}'" if actuator else f"{index} (unnamed)"
            raise RlkitError(
                f"env.task.team.robots {prefixes}: actuator {label} belongs to no robot (every actuator's "
                "name must start with its robot's prefix)"
            )
        owned[owners[0]].append(index)
    for robot, indices in enumerate(owned):
        if not indices:
            listed = ", ".join(entity_names(model, mujoco.mjtObj.mjOBJ_ACTUATOR)[:20])
            raise RlkitError(
                f"env.task.team.robots[{robot}] '{prefixes[robot]}' starts no actuator's name (actuators: "
                f"{listed})"
            )
    return [np.asarray(indices, dtype=np.int64) for indices in owned]
