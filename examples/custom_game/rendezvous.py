"""A multi-agent game of your own, in the PettingZoo Parallel API: agents on a plane who must meet.

Train it with ``rlkit train examples/custom_game/rendezvous.yaml``: the config names the factory below as
``env.id: examples.custom_game.rendezvous:parallel_env``, and rlkit trains one policy shared by the agents
(each sees its own observation and a one-hot agent index) with a critic on the game's global state (MAPPO).

Each of ``agents`` agents starts at a random point of the square [-1, 1]², moves with a velocity it chooses
(a Box action, at most ``max_speed`` per step) and sees its own position and where the others are relative
to it. Every agent is rewarded with minus the mean distance between all pairs of agents, so they gain by
meeting anywhere; a game lasts ``max_cycles`` steps.
"""

from __future__ import annotations

import functools
from typing import Any

import gymnasium as gym
import numpy as np
from pettingzoo import ParallelEnv


class Rendezvous(ParallelEnv):
    """Agents on a plane rewarded for meeting (a cooperative game with continuous actions)."""

    metadata = {"name": "rendezvous_v0", "render_modes": ["rgb_array"], "render_fps": 10}  # noqa: RUF012

    def __init__(
        self, agents: int = 3, max_cycles: int = 50, max_speed: float = 0.1, render_mode: str | None = None
    ) -> None:
        self.possible_agents = [f"agent_{i}" for i in range(agents)]
        self.agents: list[str] = []
        self.max_cycles = max_cycles
        self.max_speed = max_speed
        self.render_mode = render_mode
        self.state_space = gym.spaces.Box(-np.inf, np.inf, (2 * agents,), np.float32)
        self.positions = np.zeros((agents, 2))
        self.steps = 0
        self.rng = np.random.default_rng()

    @functools.cache  # noqa: B019  (PettingZoo asks for the same space object on every call)
    def observation_space(self, agent: str) -> gym.spaces.Box:
        return gym.spaces.Box(-np.inf, np.inf, (2 * len(self.possible_agents),), np.float32)

    @functools.cache  # noqa: B019
    def action_space(self, agent: str) -> gym.spaces.Box:
        return gym.spaces.Box(-1.0, 1.0, (2,), np.float32)

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.agents = list(self.possible_agents)
        self.positions = self.rng.uniform(-1.0, 1.0, (len(self.agents), 2))
        self.steps = 0
        return self._observations(), {agent: {} for agent in self.agents}

    def step(self, actions: dict[str, np.ndarray]):
        for i, agent in enumerate(self.possible_agents):
            move = np.clip(np.asarray(actions[agent], dtype=np.float64), -1.0, 1.0)
            self.positions[i] = np.clip(self.positions[i] + self.max_speed * move, -1.5, 1.5)
        self.steps += 1
        gaps = self.positions[:, None, :] - self.positions[None, :, :]
        spread = np.linalg.norm(gaps, axis=-1).sum() / (len(self.agents) * (len(self.agents) - 1))
        rewards = {agent: -float(spread) for agent in self.agents}
        cut_off = self.steps >= self.max_cycles
        terminations = {agent: False for agent in self.agents}
        truncations = {agent: cut_off for agent in self.agents}
        observations = self._observations()
        infos = {agent: {} for agent in self.agents}
        if cut_off:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    def state(self) -> np.ndarray:
        return self.positions.astype(np.float32).reshape(-1)

    def render(self) -> np.ndarray:
        """A top view: each agent a coloured square on a grey field."""
        size = 240
        frame = np.full((size, size, 3), 60, dtype=np.uint8)
        colours = [(230, 90, 60), (60, 160, 230), (120, 210, 90), (230, 200, 60)]
        for i, (x, y) in enumerate(self.positions):
            col, row = int((x + 1.5) / 3.0 * (size - 1)), int((1.5 - y) / 3.0 * (size - 1))
            frame[max(row - 5, 0) : row + 6, max(col - 5, 0) : col + 6] = colours[i % len(colours)]
        return frame

    def _observations(self) -> dict[str, np.ndarray]:
        observations = {}
        for i, agent in enumerate(self.possible_agents):
            others = np.delete(self.positions, i, axis=0) - self.positions[i]
            observations[agent] = np.concatenate([self.positions[i], others.reshape(-1)]).astype(np.float32)
        return observations


def parallel_env(**kwargs: Any) -> Rendezvous:
    """The factory ``env.id`` names (``env.kwargs`` are its arguments)."""
    return Rendezvous(**kwargs)
