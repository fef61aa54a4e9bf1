"""REINFORCE with a learned value baseline."""

from agents.reinforce.agent import Reinforce
from agents.reinforce.config import ReinforceConfig

__all__ = ["Reinforce", "ReinforceConfig"]
