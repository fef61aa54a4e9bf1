"""PPO with an LSTM memory for partially observable tasks."""

from rlkit.agents.recurrent_ppo.agent import RecurrentPPO
from rlkit.agents.recurrent_ppo.config import RecurrentPPOConfig

__all__ = ["RecurrentPPO", "RecurrentPPOConfig"]
