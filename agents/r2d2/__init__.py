"""R2D2: recurrent DQN from replayed sequences."""

from rlkit.agents.r2d2.agent import R2D2
from rlkit.agents.r2d2.config import R2D2Config

__all__ = ["R2D2", "R2D2Config"]
