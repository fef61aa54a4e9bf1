"""Proximal Policy Optimization."""

from agents.ppo.agent import PPO
from agents.ppo.config import PPOConfig

__all__ = ["PPO", "PPOConfig"]
