"""A turn-based PettingZoo game (its AEC API: one agent moves at a time) as one Gymnasium env over its agents.

PettingZoo converts an AEC env to its Parallel API only where every agent can move at once
(``is_parallelizable``); a board game such as Connect Four cannot. :class:`TurnGame` keeps the layout of
:class:`~rlkit.envs.multi_agent.ParallelGame` (every agent a row of the observation and action) and lets only
the agent on turn move: its row of the action is played, the others are ignored, and each observation marks
who moves next through the action masks (the legal moves of the agent on turn, all zeros for the others),
so a shared policy acts for every seat and learns only from the moves it made.

A step is one move. Each agent's reward is what the game gave it for that move (a game's outcome reaches
both players on the last move), and the game ends when every agent is done.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.envs.multi_agent.parallel_game import ParallelGame


class TurnGame(ParallelGame):
    """A PettingZoo ``AECEnv`` whose agents take turns, as a Gymnasium env over all of them.

    Args:
        game: The PettingZoo AEC env (Discrete actions shared by its agents).
        critic: What the observation's ``state`` holds (:data:`~rlkit.envs.multi_agent.CRITIC_INPUTS`).
        name: How the env is named in messages (its ``env.id``).
    """

    always_masked = True

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        gym.Env.reset(self, seed=seed)
        self.game.reset(seed=seed, options=options)
        self._active = np.array([agent in self.game.agents for agent in self.agent_names])
        return self._observation(self._observe()), {"agents_active": self._active.copy()}

    def step(self, action: np.ndarray) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        actions = np.asarray(action)
        mover = self.game.agent_selection
        active = np.array([agent == mover for agent in self.agent_names])
        row = self.agent_names.index(mover)
        self.game.step(self._agent_action(actions[row], row))
        agent_rewards = np.array([float(self.game.rewards.get(agent, 0.0)) for agent in self.agent_names])
        done = [
            self.game.terminations.get(agent, True) or self.game.truncations.get(agent, True)
            for agent in self.game.agents
        ]
        ended = not self.game.agents or all(done)
        truncated = ended and any(self.game.truncations.get(agent, False) for agent in self.game.agents)
        terminated = ended and not truncated
        self._active = np.array([agent in self.game.agents for agent in self.agent_names]) & ~ended
        info = {"agent_rewards": agent_rewards, "agents_active": active}
        return self._observation(self._observe()), float(agent_rewards.sum()), terminated, truncated, info

    def _observe(self) -> dict[str, Any]:
        return {agent: self.game.observe(agent) for agent in self.game.agents}

    def _turn_masks(self, masks: np.ndarray) -> np.ndarray:
        """Only the agent on turn has legal moves (all of its own where the game masks none)."""
        on_turn = np.array([agent == self.game.agent_selection for agent in self.agent_names])
        return masks * on_turn[:, None].astype(masks.dtype)
