"""REINFORCE's hyperparameters: Monte-Carlo returns over long rollouts, one gradient step per rollout."""

from __future__ import annotations

from pydantic import Field

from rlkit.agents.on_policy_config import OnPolicyConfig


class ReinforceConfig(OnPolicyConfig):
    """REINFORCE (Williams, 1992) with a learned state-value baseline."""

    name: str = Field("reinforce", description="agent name")
    n_steps: int = Field(
        128, ge=1, description="steps per env collected before each update (episodes cut here bootstrap)"
    )
    lr: float = Field(1e-3, gt=0, description="learning rate (the initial one when a schedule is set)")
    optimizer_eps: float = Field(1e-5, gt=0, description="adam/adamw/rmsprop epsilon")
