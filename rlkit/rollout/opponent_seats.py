"""Self-play's vector env: the learner takes one seat of every game, opponent policies the others.

:class:`OpponentSeats` wraps the agent rows of ``games`` multi-agent games
(:class:`~rlkit.rollout.agent_rows.AgentRowsVectorEnv`) and shows the learner one row per game, the agent
whose seat it holds; the other agents of that game are played by the opponent the game was given when it
started (an id of :attr:`OpponentSeats.opponents`, drawn by ``choose``). The learner's seat moves on by
one at every new game of that env, so it plays every seat equally often.

When a game ends, ``info`` reports its opponent and outcome for the learner (``match_opponent``,
``match_outcome``: 1 won, 0.5 drawn, 0 lost: the learner's return against the best of the others), the
results an Elo rating is built from (:mod:`rlkit.training.self_play`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from rlkit.policy import Policy
from rlkit.rollout.agent_rows import AgentRowsVectorEnv


class OpponentSeats(gym.vector.VectorEnv):
    """``games`` games with the learner in one seat of each and opponents in the others.

    Args:
        rows: The games' agent rows.
        opponents: The opponent policies by id (each acts on a batch of rows); the caller may add more.
        choose: Draws the opponent id of a game that starts.
        seed: The first learner seat of game ``g`` is ``(seed + g) mod agents``.
    """

    def __init__(
        self, rows: AgentRowsVectorEnv, opponents: dict[int, Policy], choose: Callable[[], int], seed: int = 0
    ) -> None:
        self.rows = rows
        self.opponents = opponents
        self.choose = choose
        self.agents = rows.agents_per_game
        self.num_envs = rows.num_games
        self.agent_names = rows.agent_names
        self.metadata = {"autoreset_mode": AutoresetMode.SAME_STEP}
        self.render_mode = rows.render_mode
        self.single_observation_space = rows.single_observation_space
        self.single_action_space = rows.single_action_space
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, self.num_envs)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, self.num_envs)
        self.seats = (seed + np.arange(self.num_envs)) % self.agents
        self.opponent = np.zeros(self.num_envs, dtype=np.int64)
        self._returns = np.zeros((self.num_envs, self.agents))
        self._row_obs: Any = None
        self._starts = np.ones(self.num_envs * self.agents, dtype=bool)

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        self._row_obs, _ = self.rows.reset(seed=seed, options=options)
        self.opponent = np.array([self.choose() for _ in range(self.num_envs)], dtype=np.int64)
        self._returns[:] = 0.0
        self._starts[:] = True
        return self._learner(self._row_obs), {}

    def step(self, actions: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        learner = self._learner_rows()
        row_actions = self._opponent_actions()
        row_actions[learner] = np.asarray(actions)
        self._row_obs, rewards, terminated, truncated, infos = self.rows.step(row_actions)
        self._starts = terminated | truncated
        self._returns += rewards.reshape(self.num_envs, self.agents)
        ended = self._starts.reshape(self.num_envs, self.agents).all(axis=1)
        info: dict[str, Any] = {}
        if "final_obs" in infos:
            final = np.full(self.num_envs, None, dtype=object)
            final[ended] = infos["final_obs"][learner[ended]]
            info["final_obs"], info["_final_obs"] = final, ended
        step_rewards, step_terminated, step_truncated = (
            rewards[learner],
            terminated[learner],
            truncated[learner],
        )
        if ended.any():
            games = np.flatnonzero(ended)
            mine = self._returns[games, self.seats[games]]
            others = self._returns[games].copy()
            others[np.arange(len(games)), self.seats[games]] = -np.inf
            best = others.max(axis=1)
            outcome = np.where(mine > best, 1.0, np.where(mine < best, 0.0, 0.5))
            info["match_opponent"] = np.where(ended, self.opponent, -1)
            info["match_outcome"] = np.zeros(self.num_envs)
            info["match_outcome"][games] = outcome
            self._returns[games] = 0.0
            self.seats[games] = (self.seats[games] + 1) % self.agents
            for game in games:
                self.opponent[game] = self.choose()
        return self._learner(self._row_obs), step_rewards, step_terminated, step_truncated, info

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        return self.rows.call(name, *args, **kwargs)

    def close_extras(self, **kwargs: Any) -> None:
        self.rows.close()

    def _learner_rows(self) -> np.ndarray:
        """The row index of the learner's agent in every game."""
        return np.arange(self.num_envs) * self.agents + self.seats

    def _learner(self, row_obs: Any) -> Any:
        rows = self._learner_rows()
        if isinstance(row_obs, dict):
            return {key: value[rows] for key, value in row_obs.items()}
        return row_obs[rows]

    def _opponent_actions(self) -> np.ndarray:
        """Every row's action from its game's opponent (the learner's rows are overwritten by the caller)."""
        rows = self._row_obs
        count = self.num_envs * self.agents
        actions: np.ndarray | None = None
        owner = np.repeat(self.opponent, self.agents)
        for index in np.unique(owner):
            chosen = np.flatnonzero(owner == index)
            batch = {k: v[chosen] for k, v in rows.items()} if isinstance(rows, dict) else rows[chosen]
            acted = np.asarray(self.opponents[int(index)](batch, self._starts[chosen]))
            if actions is None:
                actions = np.zeros((count, *acted.shape[1:]), dtype=acted.dtype)
            actions[chosen] = acted
        assert actions is not None
        return actions
