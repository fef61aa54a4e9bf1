"""Twin Delayed Deep Deterministic policy gradient."""

from rlkit.agents.td3.agent import TD3
from rlkit.agents.td3.config import TD3Config

__all__ = ["TD3", "TD3Config"]
