"""Learning algorithms, registered by name for ``agent.name`` (``module:Class`` works for user agents)."""

from agents.base import Agent, StepResult
from agents.dqn import DQN
from agents.ppo import PPO
from rlkit.registry import Registry

AGENTS: Registry[type[Agent]] = Registry("agent")
AGENTS.register("ppo", PPO, PPO.description)
AGENTS.register("dqn", DQN, DQN.description)

__all__ = ["AGENTS", "Agent", "StepResult"]
