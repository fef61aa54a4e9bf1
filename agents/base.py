"""The API every agent implements, so that one training loop, evaluator and checkpoint format serve all.

The loop (:mod:`rlkit.train.trainer`) calls ``agent.envs_reset()`` after resetting the envs, then drives an
agent through four calls per vector step::

    actions = agent.explore(obs, env_steps)          # acting for training (exploration, caching)
    next_obs, rewards, terminated, truncated, infos = env.step(actions)
    agent.record(StepResult(rewards, terminated, truncated, final_next_obs))
    if agent.update_due(env_steps):
        metrics = agent.update(progress)             # -> dict of floats for logging

``make_policy()`` gives the policy alone (evaluation, videos, export): a callable
``(obs, episode_starts) -> actions`` that carries a recurrent agent's memory from step to step and wipes it
where an episode starts. ``act`` is its stateless form for feed-forward agents.

``state_dict`` holds everything needed to resume: networks, optimizer, normalization statistics,
schedules and random streams, as tensors and plain Python values only, so checkpoints load with
``torch.load(weights_only=True)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import torch

from rlkit.config.schema import AgentConfig
from rlkit.policy import Policy


@dataclass(frozen=True)
class StepResult:
    """What one vector-env step returned, as agents need it.

    Attributes:
        rewards: (num_envs,) rewards.
        terminated: (num_envs,) bool, the episode ended in a terminal state (no bootstrapping).
        truncated: (num_envs,) bool, the episode was cut off (time limit): bootstrap from ``next_obs``.
        next_obs: (num_envs, ...) the observation after the step; for envs whose episode ended this is the
            episode's final observation, not the next episode's first one.
    """

    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    next_obs: np.ndarray


class Agent(ABC):
    """A learning algorithm with its networks, storage and optimizer.

    Args:
        config: The agent's validated config section.
        observation_space: A single env's observation space.
        action_space: A single env's action space.
        num_envs: Envs stepped in parallel.
        total_steps: Env steps the run will train for (for schedules).
        device: Where networks and update storage live.
        seed: Seeds the agent's own random streams.
    """

    #: The config class that validates this agent's section.
    config_class: ClassVar[type[AgentConfig]]
    #: One line for ``rlkit list``.
    description: ClassVar[str]

    def __init__(
        self,
        config: AgentConfig,
        observation_space: gym.Space,
        action_space: gym.Space,
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        self.check_spaces(observation_space, action_space)
        self.config = config
        self.observation_space = observation_space
        self.action_space = action_space
        self.num_envs = num_envs
        self.total_steps = total_steps
        self.device = device
        self.seed = seed

    @classmethod  # noqa: B027  (deliberately not abstract: accepting any spaces is a valid default)
    def check_spaces(cls, observation_space: gym.Space, action_space: gym.Space) -> None:
        """Raise :class:`rlkit.errors.RlkitError` when this agent cannot act in these spaces."""

    @abstractmethod
    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        """Actions for a batch of observations, from the policy alone (no exploration state changes).

        Recurrent agents act here from an empty memory; evaluate them through :meth:`make_policy`.
        """

    def make_policy(self, deterministic: bool = True) -> Policy:
        """A fresh policy for evaluation, videos and export, with its own memory (recurrent agents).

        Feed-forward agents need no memory: the default is :meth:`act` with the starts ignored.
        """

        def feed_forward(obs: np.ndarray, episode_starts: np.ndarray) -> np.ndarray:
            return self.act(obs, deterministic)

        return feed_forward

    @abstractmethod
    def explore(self, obs: np.ndarray, env_steps: int) -> np.ndarray:
        """Actions for training; remembers what :meth:`record` will need about this step."""

    @abstractmethod
    def record(self, step: StepResult) -> None:
        """Store the outcome of the actions the last :meth:`explore` returned."""

    def envs_reset(self) -> None:  # noqa: B027  (most agents keep no per-episode state across calls)
        """The loop reset every env (start of a run, also after a resume): episodes in flight are over.

        Agents that hold partial episodes (n-step windows) close or drop them here.
        """

    @abstractmethod
    def update_due(self, env_steps: int) -> bool:
        """Whether :meth:`update` should run now."""

    @abstractmethod
    def update(self, progress: float) -> dict[str, float]:
        """Learn from stored experience; ``progress`` is env steps done / total, in [0, 1]."""

    @abstractmethod
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: tensors and plain Python values only."""

    @abstractmethod
    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


def load_generator_state(generator: torch.Generator, state: torch.Tensor) -> None:
    """Restore a torch generator's saved state, when it was saved on the same kind of device.

    CPU and CUDA generators keep different states that cannot be converted: a checkpoint trained on a GPU
    and evaluated or resumed on a CPU keeps the generator as the agent seeded it (sampling stays seeded;
    only the bit-exact continuation of the GPU run is lost, which a change of device breaks anyway).
    """
    if state.numel() == generator.get_state().numel():
        generator.set_state(state)
