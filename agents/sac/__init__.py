"""Soft Actor-Critic."""

from agents.sac.agent import SAC
from agents.sac.config import SACConfig

__all__ = ["SAC", "SACConfig"]
