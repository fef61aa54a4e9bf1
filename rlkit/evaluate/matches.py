"""Matches between two policies in a multi-agent game: wins, draws, losses, and illegal moves.

A competitive game (Connect Four, a sumo ring) is judged by who wins, not by a return. :func:`play_matches`
seats ``policy`` at one agent of every game and ``opponent`` at the others, alternating the seat from game to
game (game ``j`` puts ``policy`` at agent ``j mod agents``) so that neither side keeps the first move, and
counts a game as won when ``policy``'s agent ends it with more reward than every other agent. With action
masks it also counts the moves ``policy`` chose that the game did not allow (a masked policy never does).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.errors import RlkitError
from rlkit.evaluate.restore import restore_agent
from rlkit.policy import Policy
from rlkit.rollout.agent_rows import ACTION_MASK, AgentRowsVectorEnv
from rlkit.rollout.vector_env import make_vector_env


@dataclass
class MatchResult:
    """The outcome of :func:`play_matches`, from ``policy``'s side."""

    games: int = 0
    wins: int = 0
    draws: int = 0
    losses: int = 0
    illegal_moves: int = 0
    moves: int = 0

    def summary(self) -> dict[str, Any]:
        """Counts and rates: ``win_rate``, ``draw_rate``, ``loss_rate`` (shares of ``games``)."""
        return {
            "games": self.games,
            "wins": self.wins,
            "draws": self.draws,
            "losses": self.losses,
            "win_rate": self.wins / self.games,
            "draw_rate": self.draws / self.games,
            "loss_rate": self.losses / self.games,
            "moves": self.moves,
            "illegal_moves": self.illegal_moves,
        }


def random_player(seed: int, action_space: gym.Space[Any]) -> Policy:
    """A policy that picks uniformly among the legal moves of a Discrete space (every move where none are
    masked), or uniformly within a Box's bounds."""
    rng = np.random.default_rng(seed)

    def play(obs: Any, episode_starts: np.ndarray) -> np.ndarray:
        rows = len(episode_starts)
        if isinstance(action_space, gym.spaces.Box):
            return rng.uniform(action_space.low, action_space.high, (rows, *action_space.shape))
        assert isinstance(action_space, gym.spaces.Discrete)
        moves = int(action_space.n)
        masks = np.asarray(obs[ACTION_MASK]) if isinstance(obs, dict) and ACTION_MASK in obs else None
        if masks is None:
            return rng.integers(0, moves, size=rows)
        legal = np.where(masks.any(axis=1, keepdims=True), masks > 0, True)
        return np.argmax(np.where(legal, rng.random((rows, moves)), -1.0), axis=1)

    return play


def opponent_policy(opponent: str, env_config: EnvConfig, seed: int) -> Policy:
    """The policy ``opponent`` names: ``random`` (uniform over the legal moves or the action bounds), or a run
    directory or
    checkpoint trained on the same game, sampling its moves (two deterministic policies would play the same
    few games over and over: a game's start does not depend on its seed).

    Raises:
        RlkitError: The opponent does not exist, or was trained on another environment.
    """
    if opponent == "random":
        probe = make_vector_env(env_config, 1, RolloutConfig(num_envs=1))
        space = probe.single_action_space
        probe.close()
        return random_player(seed, space)
    if not Path(opponent).exists():
        raise RlkitError(f"--opponent '{opponent}' is neither 'random' nor an existing run or checkpoint")
    restored = restore_agent(opponent)
    if restored.config.env.id != env_config.id:
        raise RlkitError(
            f"--opponent '{opponent}' was trained on '{restored.config.env.id}', not on '{env_config.id}'"
        )
    return restored.agent.make_policy(deterministic=False)


def play_matches(
    policy: Policy, opponent: Policy, env_config: EnvConfig, games: int, seed: int, max_parallel: int = 16
) -> MatchResult:
    """Play ``games`` games of ``policy`` against ``opponent`` (game ``j`` reset with ``seed + j``).

    Raises:
        RlkitError: ``env_config`` is not a multi-agent game.
    """
    parallel = min(games, max_parallel)
    env = make_vector_env(env_config, parallel, RolloutConfig(num_envs=parallel))
    if not isinstance(env, AgentRowsVectorEnv):
        env.close()
        raise RlkitError(f"environment '{env_config.id}' is not a multi-agent game: matches need two sides")
    agents = env.agents_per_game
    result = MatchResult()
    try:
        for start in range(0, games, parallel):
            count = min(parallel, games - start)
            obs, _ = env.reset(seed=seed + start)
            seats = (start + np.arange(parallel)) % agents  # policy's agent in each game
            seated = np.zeros((parallel, agents), dtype=bool)
            seated[np.arange(parallel), seats] = True
            ours = seated.reshape(-1)
            returns = np.zeros(parallel * agents)
            running = np.repeat(np.arange(parallel) < count, agents)
            starts = np.ones(parallel * agents, dtype=bool)
            while running.any():
                mine, theirs = np.asarray(policy(obs, starts)), np.asarray(opponent(obs, starts))
                # a row's move is an index, or a vector of a continuous action
                actions = np.where(ours.reshape(-1, *([1] * (mine.ndim - 1))), mine, theirs)
                result.illegal_moves += _illegal(obs, actions, ours & running)
                result.moves += _moves(obs, ours & running)
                obs, rewards, terminated, truncated, _ = env.step(actions)
                returns += rewards * running
                starts = terminated | truncated
                running &= ~starts
            per_game = returns.reshape(parallel, agents)[:count]
            mine = per_game[np.arange(count), seats[:count]]
            others = np.where(seated[:count], -np.inf, per_game).max(axis=1)
            result.games += count
            result.wins += int((mine > others).sum())
            result.losses += int((mine < others).sum())
            result.draws += int((mine == others).sum())
    finally:
        env.close()
    return result


def _moves(obs: Any, rows: np.ndarray) -> int:
    """How many of ``rows`` had a move to make (all of them without action masks)."""
    if isinstance(obs, dict) and ACTION_MASK in obs:
        return int((np.asarray(obs[ACTION_MASK]).any(axis=1) & rows).sum())
    return int(rows.sum())


def _illegal(obs: Any, actions: np.ndarray, rows: np.ndarray) -> int:
    """How many of ``rows`` chose a move their action mask forbids (rows with no legal move excepted)."""
    if not (isinstance(obs, dict) and ACTION_MASK in obs):
        return 0
    masks = np.asarray(obs[ACTION_MASK])
    on_turn = masks.any(axis=1) & rows
    chosen = masks[np.arange(len(actions)), np.asarray(actions, dtype=np.int64)]
    return int((on_turn & (chosen == 0)).sum())
