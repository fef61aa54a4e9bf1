"""REINFORCE with a learned value baseline."""

from rlkit.agents.reinforce.agent import Reinforce
from rlkit.agents.reinforce.config import ReinforceConfig

__all__ = ["Reinforce", "ReinforceConfig"]
