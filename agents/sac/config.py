"""SAC's hyperparameters; defaults follow Stable-Baselines3's SAC (Haarnoja et al., 2018, auto-tuned α)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from rlkit.config.schema import AgentConfig, NetworkConfig


class SACConfig(AgentConfig):
    """Soft actor-critic: twin Q critics with Polyak targets, a tanh-squashed Gaussian actor, entropy tuning.

    ``network`` shapes the actor's MLP and each critic's MLP over ``[encoded observation, action]``.
    """

    name: str = Field("sac", description="agent name")
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
    target_update_interval: int = Field(
        1, ge=1, description="gradient steps between Polyak updates of the target critics"
    )
    ent_coef: float | Literal["auto"] = Field(
        "auto",
        description="entropy coefficient α: auto (learn log α towards target_entropy) or a fixed value",
    )
    ent_coef_init: float = Field(1.0, gt=0, description="auto ent_coef: initial α")
    target_entropy: float | None = Field(
        None, description="auto ent_coef: entropy target (None: -action dimensions)"
    )
    log_std_min: float = Field(-20.0, description="lower clamp of the actor's state-dependent log std")
    log_std_max: float = Field(2.0, description="upper clamp of the actor's state-dependent log std")

    @model_validator(mode="after")
    def _valid_entropy_settings(self) -> SACConfig:
        if not isinstance(self.ent_coef, str) and self.ent_coef < 0:
            raise ValueError(f"ent_coef must be 'auto' or a value >= 0, got {self.ent_coef}")
        if not self.log_std_min < self.log_std_max:
            raise ValueError(
                f"log_std_min ({self.log_std_min}) must be below log_std_max ({self.log_std_max})"
            )
        return self
