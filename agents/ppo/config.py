"""PPO's hyperparameters; defaults follow the PPO paper's MuJoCo settings as Stable-Baselines3 ships them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rlkit.agents.on_policy_config import OnPolicyConfig


class PPOConfig(OnPolicyConfig):
    """Proximal Policy Optimization (clipped surrogate) with GAE."""

    name: str = Field("ppo", description="agent name")
    optimizer_eps: float = Field(1e-5, gt=0, description="adam/adamw/rmsprop epsilon")
    batch_size: int = Field(64, ge=1, description="minibatch size (samples) for each gradient step")
    n_epochs: int = Field(10, ge=1, description="passes over the collected rollout per update")
    gae_lambda: float = Field(0.95, ge=0, le=1, description="λ of generalized advantage estimation")
    clip_range: float = Field(0.2, gt=0, description="clip the probability ratio to [1 - clip, 1 + clip]")
    clip_range_schedule: Literal["constant", "linear"] = Field(
        "constant", description="constant, or linear decay of clip_range to 0 over training"
    )
    clip_range_vf: float | None = Field(
        None, gt=0, description="clip value updates to this range (None: off)"
    )
    value_normalization: bool = Field(
        False,
        description="MAPPO's ValueNorm: the critic predicts value targets standardized by running statistics "
        "of the targets (updated on every minibatch's), mapped back for GAE; usually with "
        "normalize_returns off",
    )
    value_huber_delta: float | None = Field(
        None,
        gt=0,
        description="Huber's loss for the critic, quadratic up to this error and linear beyond (in the "
        "critic's units: standardized with value_normalization; None: the squared error)",
    )
    target_kl: float | None = Field(
        None,
        gt=0,
        description="adaptive_kl lr target; otherwise end the update, without its step, at the first "
        "minibatch whose KL exceeds 1.5x this",
    )
