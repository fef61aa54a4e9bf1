"""A2C's hyperparameters; defaults follow Stable-Baselines3's A2C (RMSprop, 5-step rollouts, λ = 1)."""

from __future__ import annotations

from pydantic import Field

from rlkit.agents.on_policy_config import OnPolicyConfig
from rlkit.config.schema import OptimizerName


class A2CConfig(OnPolicyConfig):
    """Synchronous advantage actor-critic (Mnih et al., 2016, without the asynchrony)."""

    name: str = Field("a2c", description="agent name")
    n_steps: int = Field(5, ge=1, description="steps per env collected before each update")
    gae_lambda: float = Field(
        1.0, ge=0, le=1, description="λ of generalized advantage estimation (1: n-step returns)"
    )
    normalize_advantage: bool = Field(False, description="standardize advantages over each rollout")
    optimizer: OptimizerName = Field(
        "rmsprop", description="optimizer: adam, adamw, sgd or rmsprop (alpha 0.99)"
    )
    lr: float = Field(7e-4, gt=0, description="learning rate (the initial one when a schedule is set)")
    optimizer_eps: float = Field(1e-5, gt=0, description="adam/adamw/rmsprop epsilon")
