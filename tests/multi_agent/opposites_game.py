"""A one-step PettingZoo Parallel game whose two agents see the same thing and must do opposite things.

Both agents observe ``[1.0]`` and choose 0 or 1; ``agent_0`` earns 1 for choosing 0, ``agent_1`` for
choosing 1. One shared policy that cannot tell them apart (no agent index) earns 1 of the 2 at best;
a policy per agent earns both.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from pettingzoo import ParallelEnv


class OppositesGame(ParallelEnv):
    metadata: ClassVar[dict[str, Any]] = {"name": "opposites_v0"}

    def __init__(self) -> None:
        self.possible_agents = ["agent_0", "agent_1"]
        self.agents: list[str] = []

    def observation_space(self, agent: str) -> gym.spaces.Box:
        return gym.spaces.Box(-1.0, 1.0, (1,), np.float32)

    def action_space(self, agent: str) -> gym.spaces.Discrete:
        return gym.spaces.Discrete(2)

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        self.agents = list(self.possible_agents)
        return {agent: np.ones(1, np.float32) for agent in self.agents}, {agent: {} for agent in self.agents}

    def step(self, actions: dict[str, int]):
        wanted = {"agent_0": 0, "agent_1": 1}
        rewards = {agent: float(int(action) == wanted[agent]) for agent, action in actions.items()}
        observations = {agent: np.ones(1, np.float32) for agent in actions}
        ended = dict.fromkeys(actions, True)
        self.agents = []
        return observations, rewards, ended, dict.fromkeys(actions, False), {agent: {} for agent in actions}


def opposites_game() -> OppositesGame:
    """The factory ``env.id: tests.multi_agent.opposites_game:opposites_game`` names."""
    return OppositesGame()
