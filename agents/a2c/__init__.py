"""Synchronous advantage actor-critic."""

from rlkit.agents.a2c.agent import A2C
from rlkit.agents.a2c.config import A2CConfig

__all__ = ["A2C", "A2CConfig"]
