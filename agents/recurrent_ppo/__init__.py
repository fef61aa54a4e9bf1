"""PPO with an LSTM memory for partially observable tasks."""

from agents.recurrent_ppo.agent import RecurrentPPO
from agents.recurrent_ppo.config import RecurrentPPOConfig

__all__ = ["RecurrentPPO", "RecurrentPPOConfig"]
