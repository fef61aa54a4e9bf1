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
  (``team.reward``, ``{robot}`` in a name standing for its prefix, on the action its actuators received),
  minus the mean of the others' in a zero-sum competition; a robot that meets a ``team.lose`` condition
  loses (``lose_reward``), the others win (``win_reward``) and the episode ends; the ``team.success``
  conditions, all holding, end it as the team's success (``success_reward`` to everyone, ``is_success`` in
  each agent's info); all on arrays (:class:`~rlkit.envs.team_terms.TeamTerms`), which the ``batched``
  backend runs on all its sims (:mod:`rlkit.rollout.batched.team_vector_env`);
- **episode end**: the task's termination (a team's win, loss or success included) ends it for every robot,
  its time limit cuts it off for every robot.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from pettingzoo import ParallelEnv

from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.sensors import channel_names
from rlkit.envs.team_terms import TeamTerms
from rlkit.errors import RlkitError


def channel_owner(channel: str, prefixes: list[str]) -> int | None:
    """The robot a channel belongs to (an index into ``prefixes``), or None: the one whose prefix the
    channel's name starts with, after a ``term:`` label (``joint_positions:red_hip`` is red's)."""
    name = channel.rsplit(":", 1)[-1]
    for robot, prefix in enumerate(prefixes):
        if name.startswith(prefix):
            return robot
    return None


def observed_columns(channels: list[str], prefixes: list[str], name: str) -> list[np.ndarray]:
    """Each robot's observation columns: its own channels, the shared ones, the others' from the next.

    Raises:
        RlkitError: A robot has no channel of its own.
    """
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


def team_of(env: gym.Env, name: str = "") -> TeamTerms:
    """The team of ``env``'s task.

    Raises:
        RlkitError: ``env`` is not a MuJoCo team task, or its action is not one value per actuator.
    """
    base = env.unwrapped
    name = name or type(base).__name__
    if not isinstance(base, MujocoEnv) or base.team is None:
        raise RlkitError(f"environment '{name}' is not a MuJoCo team task (set env.task.team)")
    space = env.action_space
    if not (isinstance(space, gym.spaces.Box) and space.shape == (base.model.nu,)):
        raise RlkitError(
            f"environment '{name}': a team's robots share out one action per actuator, the env acts with "
            f"{space} (leave env.discrete_actions out)"
        )
    return base.team


class MujocoTeam(ParallelEnv):
    """The robots of a team task as PettingZoo agents (see the module docstring).

    Args:
        env: The team task's env with its sim2real layers and time limit; its observation is a flat Box of
            named channels and its action one value per actuator.
        name: How the env is named in messages (its ``env.id``).

    Raises:
        RlkitError: The env is not a team task, or a robot observes no channel of its own.
    """

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "name": "mujoco_team"}  # noqa: RUF012

    def __init__(self, env: gym.Env, name: str = "") -> None:
        self.team = team_of(env, name)
        base = env.unwrapped
        assert isinstance(base, MujocoEnv)
        self.env = env
        self.base = base
        self.possible_agents = list(self.team.agent_names)
        self.agents: list[str] = []
        self.render_mode = base.render_mode
        self.metadata = {**self.metadata, "name": name, "render_fps": base.metadata["render_fps"]}
        action_space = env.action_space
        assert isinstance(action_space, gym.spaces.Box)
        self._action_spaces = {
            agent: gym.spaces.Box(action_space.low[columns], action_space.high[columns], dtype=np.float32)
            for agent, columns in zip(self.possible_agents, self.team.actuators, strict=True)
        }
        #: Each agent's observation columns of the env's observation.
        self.columns = observed_columns(channel_names(env), self.team.config.robots, name or "team")
        self._observation_spaces = {
            agent: gym.spaces.Box(-np.inf, np.inf, (len(columns),), np.float32)
            for agent, columns in zip(self.possible_agents, self.columns, strict=True)
        }
        width = int(np.prod(env.observation_space.shape or ()))
        self.state_space = gym.spaces.Box(-np.inf, np.inf, (width,), np.float32)
        self._state = np.zeros(width, dtype=np.float32)

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
        for agent, columns in zip(self.possible_agents, self.team.actuators, strict=True):
            if agent in actions:
                space = self._action_spaces[agent]
                joint[columns] = np.clip(np.asarray(actions[agent], dtype=np.float64), space.low, space.high)
        # the robots' own terms read the actions the actuators received, after the actuator models
        previous = self.base.previous_action.copy()
        observation, team_reward, terminated, truncated, _ = self.env.step(joint)
        received = self.base.previous_action[None]
        step = self.team(self.base.sim_arrays, received, previous[None], np.array([team_reward]))
        ended, cut_off = bool(terminated), bool(truncated) and not terminated
        rewards = {agent: float(step.agent_rewards[0, i]) for i, agent in enumerate(self.possible_agents)}
        infos: dict[str, dict[str, Any]] = {
            agent: {"lost": bool(step.lost[0, i])} for i, agent in enumerate(self.possible_agents)
        }
        if self.team.config.success:
            for info in infos.values():
                info["is_success"] = bool(step.succeeded[0])
        terminations = dict.fromkeys(self.possible_agents, ended)
        truncations = dict.fromkeys(self.possible_agents, cut_off)
        if ended or cut_off:
            self.agents = []
        return self._observations(observation), rewards, terminations, truncations, infos

    def render(self) -> Any:
        return self.env.render()

    def close(self) -> None:
        self.env.close()

    def _observations(self, observation: np.ndarray) -> dict[str, np.ndarray]:
        flat = np.asarray(observation, dtype=np.float32).reshape(-1)
        self._state = flat
        return {
            agent: flat[columns] for agent, columns in zip(self.possible_agents, self.columns, strict=True)
        }
