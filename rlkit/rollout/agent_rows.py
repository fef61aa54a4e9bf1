"""A vector of multi-agent games seen as a vector of agents: one row per agent of every game.

A parameter-shared policy (IPPO, MAPPO) acts for every agent with one network, so rlkit stacks the agents
along the env axis: ``games`` games of ``agents`` agents each are ``games * agents`` rows, game ``g``'s agent
``i`` at row ``g * agents + i``. Every agent-level algorithm and the training loop then work unchanged on
rows: each row has its agent's observation (with a one-hot agent index where ``env.agents.agent_id`` asks
for it), its own reward, and the game's end.

With a centralized critic (``env.agents.critic``: ``state`` or ``observations``) a row observes a Dict
``{policy, privileged}``: the agent's own observation for the actor, the game's global state for the
critic only, the asymmetric actor-critic form every policy-gradient agent already learns from (and export
keeps the actor alone). That is MAPPO; ``critic: own`` is IPPO. A game with legal moves adds its agent's
``action_mask`` to each row (all zeros for an agent that does not act this step: not on turn).

The games step on any rollout backend (each game is one :class:`~rlkit.envs.multi_agent.ParallelGame`);
their seeds are the backend's: game ``g`` of a reset with ``seed`` starts from ``seed + g``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from rlkit.errors import RlkitError

#: Keys of a row's Dict observation: its agent's own observation, the global state for a centralized critic
#: (the privileged form agents know) and the legal moves of a masked game.
POLICY, PRIVILEGED, ACTION_MASK = "policy", "privileged", "action_mask"

#: The key of a game's observation (a :class:`~rlkit.envs.multi_agent.ParallelGame`'s) stacking its agents'.
GAME_OBSERVATIONS = "observations"


class AgentRowsVectorEnv(gym.vector.VectorEnv):
    """``games`` multi-agent games as ``games * agents`` rows, one per agent.

    Args:
        games: A vector env (SAME_STEP autoreset) of :class:`~rlkit.envs.multi_agent.ParallelGame` envs.
        agent_names: The agents of each game, in row order.
        agent_observation_space: One agent's own observation (a flat Box).
        agent_action_space: One agent's action space.
        agent_id: Append a one-hot agent index to each agent's observation.

    Attributes:
        num_games: Games stepped side by side (``num_envs`` counts rows).
        agent_names: The agents of each game, in row order.
    """

    def __init__(
        self,
        games: gym.vector.VectorEnv,
        agent_names: tuple[str, ...],
        agent_observation_space: gym.spaces.Box,
        agent_action_space: gym.Space[Any],
        agent_id: bool = True,
    ) -> None:
        if games.metadata.get("autoreset_mode") != AutoresetMode.SAME_STEP:
            raise RlkitError("multi-agent rows need games in SAME_STEP autoreset mode")
        #: Any rollout backend's vector env (their resets take one seed per env).
        self.games: Any = games
        self.metadata = {"autoreset_mode": AutoresetMode.SAME_STEP}
        self.agent_names = agent_names
        self.agents_per_game = len(agent_names)
        self.num_games = games.num_envs
        self.num_envs = self.num_games * self.agents_per_game
        self.agent_id = agent_id
        self.render_mode = games.render_mode
        game_space = games.single_observation_space
        assert isinstance(game_space, gym.spaces.Dict)
        width = int(agent_observation_space.shape[0]) + (self.agents_per_game if agent_id else 0)
        row_spaces: dict[str, gym.Space[Any]] = {
            POLICY: gym.spaces.Box(-np.inf, np.inf, (width,), np.float32)
        }
        if "state" in game_space.spaces:
            row_spaces[PRIVILEGED] = game_space["state"]
        if "action_masks" in game_space.spaces:
            masks = game_space["action_masks"]
            row_spaces[ACTION_MASK] = gym.spaces.Box(0, 1, tuple(masks.shape or ())[1:], np.int8)
        self.single_observation_space: gym.Space[Any] = (
            row_spaces[POLICY] if len(row_spaces) == 1 else gym.spaces.Dict(row_spaces)
        )
        self.single_action_space = agent_action_space
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, self.num_envs)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, self.num_envs)

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset every game (``seed``: one per game, or the first game's with the rest following it)."""
        observations, infos = self.games.reset(seed=seed, options=options)
        return self._rows(observations), self._row_infos(infos)

    def step(self, actions: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every game with its agents' rows of ``actions``."""
        actions = np.asarray(actions)
        game_actions = actions.reshape(self.num_games, self.agents_per_game, *actions.shape[1:])
        observations, _, terminated, truncated, infos = self.games.step(game_actions)
        dones = terminated | truncated
        rewards = self._step_values(infos, "agent_rewards", dones, np.float64).reshape(-1)
        row_infos: dict[str, Any] = {
            "agent_active": self._step_values(infos, "agents_active", dones, bool).reshape(-1)
        }
        if dones.any():
            final = infos["final_obs"]
            finished = np.zeros(self.num_envs, dtype=bool)
            final_rows = np.full(self.num_envs, None, dtype=object)
            for game in np.flatnonzero(dones):
                rows = self._rows({key: value[None] for key, value in final[game].items()})
                start = game * self.agents_per_game
                for agent in range(self.agents_per_game):
                    finished[start + agent] = True
                    final_rows[start + agent] = _row(rows, agent)
            row_infos["final_obs"], row_infos["_final_obs"] = final_rows, finished
            successes = infos["final_info"].get("is_success")
            if successes is not None:  # a team's goal: every agent of the game shares it
                ended = np.repeat(dones & infos["final_info"]["_is_success"], self.agents_per_game)
                row_infos["final_info"] = {
                    "is_success": np.repeat(np.asarray(successes, dtype=bool), self.agents_per_game) & ended,
                    "_is_success": ended,
                }
        repeat = self.agents_per_game
        return (
            self._rows(observations),
            rewards,
            np.repeat(terminated, repeat),
            np.repeat(truncated, repeat),
            row_infos,
        )

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """Call ``name`` on every game (one result per game)."""
        return self.games.call(name, *args, **kwargs)

    def render(self) -> Any:
        return self.games.render()

    def close_extras(self, **kwargs: Any) -> None:
        self.games.close()

    def _rows(self, observations: dict[str, np.ndarray]) -> Any:
        """Row observations of a batch of game observations (the games along the first axis)."""
        return agent_rows(observations, self.agent_id)

    def _row_infos(self, infos: dict[str, Any]) -> dict[str, Any]:
        """The per-agent infos a reset reports: whether each row's agent is in the game."""
        return {"agent_active": np.asarray(infos["agents_active"], dtype=bool).reshape(-1)}

    def _step_values(self, infos: dict[str, Any], key: str, dones: np.ndarray, dtype: Any) -> np.ndarray:
        """(games, agents) values of ``key`` for the step just taken: an ended game's from its
        ``final_info`` (the info of a game that ended is its next episode's reset info)."""
        shape = (self.num_games, self.agents_per_game)
        values = np.asarray(infos[key], dtype=dtype).copy() if key in infos else np.zeros(shape, dtype)
        if dones.any():
            final = infos["final_info"]
            values[dones] = np.asarray(final[key], dtype=dtype)[dones]
        return values


def agent_rows(observations: dict[str, np.ndarray], agent_id: bool) -> Any:
    """The rows a batch of games' observations (a :class:`~rlkit.envs.multi_agent.ParallelGame`'s, games
    along the first axis) give: each agent's own observation, with its one-hot index if ``agent_id``, and
    the game's global state as ``{policy, privileged}`` where the games observe one."""
    own = np.asarray(observations[GAME_OBSERVATIONS], dtype=np.float32)
    games, agents = own.shape[:2]
    if agent_id:
        identity = np.broadcast_to(np.eye(agents, dtype=np.float32), (games, agents, agents))
        own = np.concatenate([own, identity], axis=-1)
    policy = own.reshape(games * agents, -1)
    if "state" not in observations and "action_masks" not in observations:
        return policy
    rows: dict[str, np.ndarray] = {POLICY: policy}
    if "state" in observations:
        rows[PRIVILEGED] = np.repeat(np.asarray(observations["state"], dtype=np.float32), agents, axis=0)
    if "action_masks" in observations:
        rows[ACTION_MASK] = np.asarray(observations["action_masks"], dtype=np.int8).reshape(
            games * agents, -1
        )
    return rows


def _row(rows: Any, index: int) -> Any:
    """Row ``index`` of a batch of row observations (an array or a Dict of arrays)."""
    if isinstance(rows, dict):
        return {key: value[index] for key, value in rows.items()}
    return rows[index]
