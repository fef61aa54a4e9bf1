"""Recurrent PPO's hyperparameters: PPO's, plus the memory core and the length of its training sequences."""

from __future__ import annotations

from pydantic import Field, model_validator

from rlkit.agents.ppo.config import PPOConfig
from rlkit.config.schema import MemoryConfig


class RecurrentPPOConfig(PPOConfig):
    """PPO whose actor and critic each carry an LSTM (or GRU) memory through the episode."""

    name: str = Field("recurrent_ppo", description="agent name")
    memory: MemoryConfig = Field(default_factory=MemoryConfig, description="the recurrent memory cores")
    sequence_length: int = Field(
        32,
        ge=1,
        description="steps per training sequence: gradients flow back through time this far (n_steps must "
        "be a multiple)",
    )
    batch_size: int = Field(
        256,
        ge=1,
        description="steps per minibatch, taken as whole sequences (batch_size // sequence_length of them)",
    )

    @model_validator(mode="after")
    def _whole_sequences(self) -> RecurrentPPOConfig:
        if self.n_steps % self.sequence_length:
            raise ValueError(
                f"n_steps ({self.n_steps}) must be a multiple of sequence_length ({self.sequence_length})"
            )
        return self
