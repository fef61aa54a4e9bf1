"""SAC's hyperparameters; defaults follow Stable-Baselines3's SAC (Haarnoja et al., 2018, auto-tuned α)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from rlkit.agents.off_policy_config import OffPolicyConfig


class SACConfig(OffPolicyConfig):
    """Soft actor-critic: twin Q critics with Polyak targets, a tanh-squashed Gaussian actor, entropy tuning.

    ``network`` shapes the actor's MLP and each critic's MLP over ``[encoded observation, action]``.
    """

    name: str = Field("sac", description="agent name")
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
