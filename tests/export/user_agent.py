"""A user's agent, unknown to rlkit: a linear greedy policy that never learns, and its own deployable module.

``agent.name: tests.export.user_agent:LinearAgent`` selects it; it exports through ``rlkit export`` only
because it implements :meth:`~rlkit.agents.base.Agent.deployable_policy`.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from pydantic import Field
from torch import nn

from rlkit.agents.base import Agent, StepResult
from rlkit.config.schema import OptimizedAgentConfig
from rlkit.nn.deploy import DeployablePolicy, deployable_copy

NAME = "tests.export.user_agent:LinearAgent"


class LinearConfig(OptimizedAgentConfig):
    """The user agent's section."""

    name: str = Field(NAME, description="agent name")


class LinearArgmax(nn.Module):
    """The user's own deployable module: argmax of a linear layer over the float observation."""

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        self.linear = linear

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.linear(obs.to(torch.float32)).argmax(dim=-1)


class LinearAgent(Agent):
    """Greedy over a fixed random linear score of a Box observation; Discrete actions."""

    config_class = LinearConfig

    def __init__(
        self,
        config: LinearConfig,
        observation_space: gym.Space,
        action_space: gym.Space,
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        generator = torch.Generator().manual_seed(seed)
        self.linear = nn.Linear(int(np.prod(observation_space.shape)), int(action_space.n))
        with torch.no_grad():
            self.linear.weight.copy_(torch.randn(self.linear.weight.shape, generator=generator))
            self.linear.bias.zero_()

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        return self.linear(torch.as_tensor(obs, dtype=torch.float32)).argmax(dim=-1).numpy()

    def explore(self, obs: np.ndarray, env_steps: int, actions: np.ndarray | None = None) -> np.ndarray:
        return self.act(obs)

    def record(self, step: StepResult) -> None:
        pass

    def update_due(self, env_steps: int) -> bool:
        return False

    def update(self, progress: float) -> dict[str, float]:
        return {}

    def state_dict(self) -> dict[str, Any]:
        return {"linear": self.linear.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.linear.load_state_dict(state["linear"])

    def deployable_policy(self) -> DeployablePolicy:
        return DeployablePolicy(LinearArgmax(deployable_copy(self.linear)), self.deploy_spec("linear_argmax"))


class OpaqueAgent(LinearAgent):
    """The same agent without a deployable policy: the base class's one-line error."""

    deployable_policy = Agent.deployable_policy
