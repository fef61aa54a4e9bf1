"""Several robots in one MuJoCo model as a PettingZoo Parallel env, each robot an agent.

A team task is one :class:`~rlkit.envs.mujoco_env.MujocoEnv` whose ``task.team`` names its robots by prefix
(:class:`~rlkit.config.sim2real.TeamConfig`): a robot's actuators, sensors, bodies and joints are those whose
names start with its prefix, so a model written for one robot becomes a team by copying its robot under
another prefix, with no Python. The one env is built with the whole sim2real stack (physics randomization
drawn per element, so per robot; actuator models per actuator; sensor models per observed channel) and
:class:`MujocoTeam` splits what comes out of it:

- **actions**: each agent drives its own actuators; the joint action is theirs side by side;
- **observations**: an agent observes its own channels (a channel belongs to the robot whose prefix its name
  starts with, after any ``term:`` label), then the channels of no robot (an object, a goal), then the other
  robots' own channels, starting with the robot after it, so that robots built alike observe alike and one
  policy can act for all of them; the global ``state()`` is every channel, for a centralized critic;
- **rewards**: the task's reward is the team's, paid to every robot; each robot adds its own terms
  (``team.reward``, ``{robot}`` in a name standing for its prefix), minus the mean of the others' in a
  zero-sum competition; a robot that meets a ``team.lose`` condition loses (``lose_reward``), the others
  win (``win_reward``) and the episode ends; a ``team.success`` condition ends it as the team's success
  (``success_reward`` to everyone, ``is_success`` in each agent's info);
- **episode end**: the task's termination ends it for every robot, its time limit cuts it off for every robot.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import mujoco
import numpy as np
from pettingzoo import ParallelEnv

from rlkit.config.sim2real import (
    ActuatorForcesTerm,
    JointAccelerationsTerm,
    JointLimitsTerm,
    TeamConfig,
    for_robot,
)
from rlkit.envs.model_names import entity_names
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.sensors import channel_names
from rlkit.envs.task_terms import RewardTerms, TerminationTerms
from rlkit.errors import RlkitError

#: Reward terms over every joint or actuator of the model, which a robot's own terms cannot restrict to it.
_WHOLE_MODEL_TERMS = (ActuatorForcesTerm, JointLimitsTerm, JointAccelerationsTerm)


def agent_name(prefix: str) -> str:
    """The agent a robot's prefix names: the prefix without trailing separators (``red_`` → ``red``)."""
    return prefix.rstrip("_-./:") or prefix


def channel_owner(channel: str, prefixes: list[str]) -> int | None:
    """The robot a channel belongs to (an index into ``prefixes``), or None: the one whose prefix the
    channel's name starts with, after a ``term:`` label (``joint_positions:red_hip`` is red's)."""
    name = channel.rsplit(":", 1)[-1]
    for robot, prefix in enumerate(prefixes):
        if name.startswith(prefix):
            return robot
    return None


class MujocoTeam(ParallelEnv):  # type: ignore[misc]
    """The robots of a team task as PettingZoo agents (see the module docstring).

    Args:
        env: The team task's env with its sim2real layers and time limit; its observation is a flat Box of
            named channels and its action one value per actuator.
        name: How the env is named in messages (its ``env.id``).

    Raises:
        RlkitError: The env is not a team task, an actuator belongs to no robot, a robot has no actuator, or
            a robot's own term reads the whole model.
    """

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "name": "mujoco_team"}  # noqa: RUF012

    def __init__(self, env: gym.Env, name: str = "") -> None:
        base = env.unwrapped
        name = name or type(base).__name__
        if not isinstance(base, MujocoEnv) or base.task.team is None:
            raise RlkitError(f"environment '{name}' is not a MuJoCo team task (set env.task.team)")
        self.env = env
        self.base = base
        self.team: TeamConfig = base.task.team
        prefixes = self.team.robots
        self.possible_agents = [agent_name(prefix) for prefix in prefixes]
        if len(set(self.possible_agents)) != len(prefixes):
            raise RlkitError(f"env.task.team.robots {prefixes} name the same agent twice")
        self.agents: list[str] = []
        self.render_mode = base.render_mode
        self.metadata = {**self.metadata, "name": name, "render_fps": base.metadata["render_fps"]}
        self._actuators = _actuators_of(base.model, prefixes)
        action_space = env.action_space
        if not (isinstance(action_space, gym.spaces.Box) and action_space.shape == (base.model.nu,)):
            raise RlkitError(
                f"environment '{name}': a team's robots share out one action per actuator, the env acts "
                f"with {action_space} (leave env.discrete_actions out)"
            )
        self._action_spaces = {
            agent: gym.spaces.Box(action_space.low[columns], action_space.high[columns], dtype=np.float32)
            for agent, columns in zip(self.possible_agents, self._actuators, strict=True)
        }
        self._columns = _observed_columns(channel_names(env), prefixes, name)
        self._observation_spaces = {
            agent: gym.spaces.Box(-np.inf, np.inf, (len(columns),), np.float32)
            for agent, columns in zip(self.possible_agents, self._columns, strict=True)
        }
        width = int(np.prod(env.observation_space.shape or ()))
        self.state_space = gym.spaces.Box(-np.inf, np.inf, (width,), np.float32)
        model = base.model
        for i, term in enumerate(self.team.reward):
            if isinstance(term, _WHOLE_MODEL_TERMS):
                raise RlkitError(
                    f"env.task.team.reward[{i}]: {term.term} sums over every robot's joints or actuators; "
                    "give it in env.task.reward (the team's terms) instead"
                )
        self._own_rewards = [
            RewardTerms(
                model, [for_robot(t, prefix) for t in self.team.reward], "env.task.team.reward", base.task
            )
            for prefix in prefixes
        ]
        self._lose = [
            TerminationTerms(model, [for_robot(t, prefix) for t in self.team.lose], "env.task.team.lose")
            for prefix in prefixes
        ]
        self._success = TerminationTerms(model, self.team.success, "env.task.team.success")
        self._state = np.zeros(width, dtype=np.float32)
        self._previous_action = np.zeros(model.nu)

    def observation_space(self, agent: str) -> gym.spaces.Box:
        """The agent's own channels, the shared ones, then the other robots'."""
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> gym.spaces.Box:
        """One value per actuator of the agent's robot, in the model's order."""
        return self._action_spaces[agent]

    def state(self) -> np.ndarray:
        """Every observed channel (after the sensor models), for a centralized critic."""
        return self._state.copy()

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        observation, _ = self.env.reset(seed=seed, options=options)
        self.agents = list(self.possible_agents)
        self._previous_action = np.zeros(self.base.model.nu)
        return self._observations(observation), {agent: {} for agent in self.agents}

    def step(
        self, actions: dict[str, Any]
    ) -> tuple[
        dict[str, np.ndarray],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        joint = np.zeros(self.base.model.nu)
        for agent, columns in zip(self.possible_agents, self._actuators, strict=True):
            if agent in actions:
                space = self._action_spaces[agent]
                joint[columns] = np.clip(np.asarray(actions[agent], dtype=np.float64), space.low, space.high)
        observation, team_reward, terminated, truncated, _ = self.env.step(joint)
        sims = self.base.sim_arrays
        own = np.zeros(len(self.possible_agents))
        for robot, columns in enumerate(self._actuators):
            action, previous = np.zeros((1, joint.size)), np.zeros((1, joint.size))
            action[0, columns], previous[0, columns] = joint[columns], self._previous_action[columns]
            own[robot] = self._own_rewards[robot](sims, action, previous)[0][0]
        self._previous_action = joint
        if self.team.zero_sum:
            others = (own.sum() - own) / (len(own) - 1)
            own = own - others
        lost = np.array([bool(lose(sims)[0]) for lose in self._lose])
        succeeded = bool(self.team.success) and bool(self._success(sims)[0])
        outcome = np.zeros(len(own))
        if lost.any() and not lost.all():  # all at once: a draw
            outcome = np.where(lost, self.team.lose_reward, self.team.win_reward)
        if succeeded:
            outcome = outcome + self.team.success_reward
        ended = bool(terminated) or bool(lost.any()) or succeeded
        cut_off = bool(truncated) and not ended
        rewards = {
            agent: float(team_reward + own[robot] + outcome[robot])
            for robot, agent in enumerate(self.possible_agents)
        }
        infos: dict[str, dict[str, Any]] = {
            agent: {"lost": bool(lost[robot])} for robot, agent in enumerate(self.possible_agents)
        }
        if self.team.success:
            for info in infos.values():
                info["is_success"] = succeeded
        observations = self._observations(observation)
        terminations = dict.fromkeys(self.possible_agents, ended)
        truncations = dict.fromkeys(self.possible_agents, cut_off)
        if ended or cut_off:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    def render(self) -> Any:
        return self.env.render()

    def close(self) -> None:
        self.env.close()

    def _observations(self, observation: np.ndarray) -> dict[str, np.ndarray]:
        flat = np.asarray(observation, dtype=np.float32).reshape(-1)
        self._state = flat
        return {
            agent: flat[columns] for agent, columns in zip(self.possible_agents, self._columns, strict=True)
        }


def _actuators_of(model: mujoco.MjModel, prefixes: list[str]) -> list[np.ndarray]:
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


def _observed_columns(channels: list[str], prefixes: list[str], name: str) -> list[np.ndarray]:
    """Each robot's observation columns: its own channels, the shared ones, the others' from the next."""
    owners = [channel_owner(channel, prefixes) for channel in channels]
    own = [[i for i, owner in enumerate(owners) if owner == robot] for robot in range(len(prefixes))]
    shared = [i for i, owner in enumerate(owners) if owner is None]
    count = len(prefixes)
    columns = []
    for robot in range(count):
        if not own[robot]:
            raise RlkitError(
                f"environment '{name}': robot '{prefixes[robot]}' observes nothing of its own (no observed "
                "channel's name starts with its prefix: name its sensors after it)"
            )
        others = [column for step in range(1, count) for column in own[(robot + step) % count]]
        columns.append(np.asarray(own[robot] + shared + others, dtype=np.int64))
    return columns
