"""Proximal Policy Optimization."""

from rlkit.agents.ppo.agent import PPO
from rlkit.agents.ppo.config import PPOConfig

__all__ = ["PPO", "PPOConfig"]
