"""Deep Q-Network."""

from rlkit.agents.dqn.agent import DQN
from rlkit.agents.dqn.config import DQNConfig

__all__ = ["DQN", "DQNConfig"]
