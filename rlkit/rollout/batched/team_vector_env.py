"""A team of MuJoCo robots on the ``batched`` backend: N games as N sims stepped by one call.

:class:`BatchedTeamVectorEnv` is the batched form of N :class:`~rlkit.envs.multi_agent.ParallelGame` envs
of a :class:`~rlkit.envs.multi_agent.MujocoTeam` (what ``make_env`` builds for a task with ``env.task.team``):
the same game observations (each robot's columns of the observed channels, the critic's state), the same
``info["agent_rewards"]``, ``info["agents_active"]`` and ``info["is_success"]``, and ``final_obs`` as game
observations, to the bit for the same seeds and actions. The joint task steps as
:class:`~rlkit.rollout.batched.batched_vector_env.BatchedVectorEnv` steps any task, the robots' own
rewards and outcomes computed on the batch's arrays (:class:`~rlkit.envs.team_terms.TeamTerms`), so
:class:`~rlkit.rollout.agent_rows.AgentRowsVectorEnv` turns it into rows as it turns a vector of games.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.vector.utils import batch_space

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs.factory import make_env
from rlkit.envs.multi_agent import MujocoTeam, ParallelGame
from rlkit.envs.multi_agent.mujoco_team import observed_columns
from rlkit.errors import RlkitError
from rlkit.rollout.batched.batched_vector_env import BatchedVectorEnv, TeamOfRobotsError


class BatchedTeamVectorEnv(BatchedVectorEnv):
    """``num_envs`` games of the team task ``env_config`` describes, stepped as one batch of sims.

    Args:
        env_config: The ``env`` section of a MuJoCo team task (``env.task.team``).
        num_envs: Games (sims) in the batch.
        rollout: The ``rollout`` section, for ``threads`` (None: one per CPU core).
    """

    _game_of_robots = True

    def __init__(self, env_config: EnvConfig, num_envs: int, rollout: RolloutConfig | None = None) -> None:
        super().__init__(env_config, num_envs, rollout)
        built = make_env(env_config, check=False)  # one game, for its spaces and layout
        game = built.unwrapped
        assert isinstance(game, ParallelGame) and isinstance(game.game, MujocoTeam)
        team = game.game
        #: Each robot's columns of the observed channels, and its actuators and action bounds.
        self._columns = observed_columns(
            list(self.sensors.observation_names), team.team.config.robots, env_config.id
        )
        self._actuators = team.team.actuators
        self._bounds = [team.action_space(agent) for agent in team.possible_agents]
        self._critic = game.critic
        self._width = int(game.agent_observation_space.shape[0])
        self._agents = len(team.possible_agents)
        self.single_observation_space = game.observation_space
        self.single_action_space = game.action_space
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        built.close()

    # a game's observation is a Dict, the joint task's an array
    def reset(  # type: ignore[override]
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Start a game in every env (or those of ``options["reset_mask"]``), seeded as the joint task."""
        joint, infos = super().reset(seed=seed, options=options)
        infos = dict(infos)
        infos["agents_active"] = np.ones((self.num_envs, self._agents), dtype=bool)
        infos["_agents_active"] = np.ones(self.num_envs, dtype=bool)
        return self._games(joint), infos

    def step(  # type: ignore[override]
        self, actions: np.ndarray
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every game with its robots' rows of ``actions``, ``(num_envs, robots, action)``."""
        actions = np.asarray(actions).reshape(self.num_envs, self._agents, -1)
        joint = np.zeros((self.num_envs, self.task.model.nu))
        for robot, (columns, bounds) in enumerate(zip(self._actuators, self._bounds, strict=True)):
            own = actions[:, robot, : len(columns)]
            # as ParallelGame hands a robot its action (float32) and MujocoTeam puts it in the joint one
            joint[:, columns] = np.clip(own, bounds.low, bounds.high).astype(np.float32)
        observations, _, terminated, truncated, infos = super().step(joint)
        infos = dict(infos)
        ended = terminated | truncated
        running = ~ended
        active = np.ones((self.num_envs, self._agents), dtype=bool)
        agent_rewards = np.zeros((self.num_envs, self._agents))
        if running.any():
            agent_rewards[running] = infos["agent_rewards"][running]
            infos["agents_active"], infos["_agents_active"] = active.copy(), running.copy()
        if ended.any():
            final = dict(infos["final_info"])
            agent_rewards[ended] = final["agent_rewards"][ended]
            final["agents_active"], final["_agents_active"] = active.copy(), ended.copy()
            infos["final_info"] = final
            ids = np.flatnonzero(ended)
            last = self._games(np.stack([np.asarray(infos["final_obs"][index]) for index in ids]))
            final_obs = np.full(self.num_envs, None, dtype=object)
            for row, index in enumerate(ids):  # the ended games' observations, converted as one batch
                final_obs[index] = {key: value[row] for key, value in last.items()}
            infos["final_obs"] = final_obs
        return self._games(observations), agent_rewards.sum(axis=1), terminated, truncated, infos

    def _games(self, joint: np.ndarray) -> dict[str, np.ndarray]:
        """Game observations of joint observations ``(games, channels)``, as ParallelGame stacks them."""
        flat = np.asarray(joint, dtype=np.float32).reshape(joint.shape[0], -1)
        own = np.zeros((flat.shape[0], self._agents, self._width), dtype=np.float32)
        for robot, columns in enumerate(self._columns):
            own[:, robot, : len(columns)] = flat[:, columns]
        games: dict[str, np.ndarray] = {"observations": own}
        if self._critic == "state":
            games["state"] = flat
        elif self._critic == "observations":
            games["state"] = own.reshape(own.shape[0], -1)
        return games


def batched_vector_env(
    env_config: EnvConfig,
    num_envs: int,
    rollout: RolloutConfig | None = None,
    teacher_view: bool = False,
) -> BatchedVectorEnv:
    """The batched env of ``env_config``: its games for a team of robots, else its envs."""
    try:
        return BatchedVectorEnv(env_config, num_envs, rollout, teacher_view=teacher_view)
    except TeamOfRobotsError:
        if teacher_view:
            raise RlkitError(
                f"the batched backend reports no teacher's view for a team of robots ('{env_config.id}'); "
                "use rollout.backend sync"
            ) from None
        return BatchedTeamVectorEnv(env_config, num_envs, rollout)
