"""Deep Q-Network."""

from agents.dqn.agent import DQN
from agents.dqn.config import DQNConfig

__all__ = ["DQN", "DQNConfig"]
