"""A small deterministic PettingZoo Parallel game for the multi-agent tests.

Two agents walk on a line: ``agent_0`` starts at ``start`` (the reset seed, 0 without one), ``agent_1`` at 10.
Each step an agent moves by its action minus one (actions 0, 1, 2: left, stay, right) and is rewarded with its
new position. The global state is both positions and the step count. The game is cut off after
``max_cycles`` steps; with ``leave_at`` set, ``agent_1`` terminates (leaves) after that many steps.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from pettingzoo import ParallelEnv


class RelayGame(ParallelEnv):
    metadata: ClassVar[dict[str, Any]] = {"name": "relay_v0", "render_modes": ["rgb_array"]}

    def __init__(
        self, max_cycles: int = 5, leave_at: int | None = None, render_mode: str | None = None
    ) -> None:
        self.possible_agents = ["agent_0", "agent_1"]
        self.agents: list[str] = []
        self.max_cycles = max_cycles
        self.leave_at = leave_at
        self.render_mode = render_mode
        self.state_space = gym.spaces.Box(-np.inf, np.inf, (3,), np.float32)
        self.positions = np.zeros(2)
        self.steps = 0
        self._observation_space = gym.spaces.Box(-np.inf, np.inf, (1,), np.float32)
        self._action_space = gym.spaces.Discrete(3)

    def observation_space(self, agent: str) -> gym.spaces.Box:
        return self._observation_space

    def action_space(self, agent: str) -> gym.spaces.Discrete:
        return self._action_space

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        self.agents = list(self.possible_agents)
        self.positions = np.array([float(seed or 0), 10.0])
        self.steps = 0
        return self._observations(), {agent: {} for agent in self.agents}

    def step(self, actions: dict[str, int]):
        for agent, action in actions.items():
            self.positions[self.possible_agents.index(agent)] += int(action) - 1
        self.steps += 1
        rewards = {agent: float(self.positions[self.possible_agents.index(agent)]) for agent in actions}
        observations = self._observations()
        terminations = {agent: agent == "agent_1" and self.steps == self.leave_at for agent in actions}
        truncations = {agent: self.steps >= self.max_cycles for agent in actions}
        self.agents = [a for a in self.agents if not (terminations[a] or truncations[a])]
        return observations, rewards, terminations, truncations, {agent: {} for agent in actions}

    def state(self) -> np.ndarray:
        return np.array([*self.positions, self.steps], dtype=np.float32)

    def render(self) -> np.ndarray:
        frame = np.zeros((8, 16, 3), dtype=np.uint8)
        frame[:, int(self.positions[0]) % 16] = 255
        return frame

    def _observations(self) -> dict[str, np.ndarray]:
        return {
            agent: np.array([self.positions[self.possible_agents.index(agent)]], dtype=np.float32)
            for agent in self.agents
        }


def relay_game(**kwargs: Any) -> RelayGame:
    """The factory ``env.id: tests.multi_agent.relay_game:relay_game`` names."""
    return RelayGame(**kwargs)
