"""Soft Actor-Critic."""

from rlkit.agents.sac.agent import SAC
from rlkit.agents.sac.config import SACConfig

__all__ = ["SAC", "SACConfig"]
