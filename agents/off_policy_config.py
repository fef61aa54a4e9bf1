"""Hyperparameters shared by the off-policy actor-critic agents (SAC, TD3)."""

from __future__ import annotations

from pydantic import Field

from rlkit.config.schema import NetworkConfig, OptimizedAgentConfig


class OffPolicyConfig(OptimizedAgentConfig):
    """Replay, the update-to-data ratio and the Polyak-averaged targets of the off-policy actor-critic family.

    ``network`` shapes the actor's MLP and each critic's MLP over ``[encoded observation, action]``.
    """

    network: NetworkConfig = Field(
        default_factory=lambda: NetworkConfig(hidden_sizes=[256, 256], activation="relu"),
        description="actor and critic shape (each critic: an MLP over [observation, action])",
    )
    max_grad_norm: float | None = Field(None, gt=0, description="clip the global gradient norm (None: off)")
    buffer_size: int = Field(1_000_000, ge=1, description="transitions kept in the replay buffer")
    learning_starts: int = Field(
        100, ge=0, description="env steps of uniform random actions collected before the first update"
    )
    batch_size: int = Field(256, ge=1, description="transitions per gradient step")
    gamma: float = Field(0.99, ge=0, le=1, description="discount factor")
    tau: float = Field(0.005, gt=0, le=1, description="Polyak factor of the target critics (1: hard copy)")
    train_freq: int = Field(1, ge=1, description="env steps (summed over envs) per gradient_steps updates")
    gradient_steps: int = Field(
        1, ge=1, description="gradient steps per train_freq env steps (the update-to-data ratio)"
    )
