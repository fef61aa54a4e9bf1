"""PPO's hyperparameters; defaults follow the PPO paper's MuJoCo settings as Stable-Baselines3 ships them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rlkit.config.schema import AgentConfig


class PPOConfig(AgentConfig):
    """Proximal Policy Optimization (clipped surrogate) with GAE."""

    name: str = Field("ppo", description="agent name")
    optimizer_eps: float = Field(1e-5, gt=0, description="adam/adamw/rmsprop epsilon")
    n_steps: int = Field(2048, ge=1, description="steps per env collected before each update")
    batch_size: int = Field(64, ge=1, description="minibatch size (samples) for each gradient step")
    n_epochs: int = Field(10, ge=1, description="passes over the collected rollout per update")
    gamma: float = Field(0.99, ge=0, le=1, description="discount factor")
    gae_lambda: float = Field(0.95, ge=0, le=1, description="λ of generalized advantage estimation")
    clip_range: float = Field(0.2, gt=0, description="clip the probability ratio to [1 - clip, 1 + clip]")
    clip_range_schedule: Literal["constant", "linear"] = Field(
        "constant", description="constant, or linear decay of clip_range to 0 over training"
    )
    clip_range_vf: float | None = Field(
        None, gt=0, description="clip value updates to this range (None: off)"
    )
    normalize_advantage: bool = Field(True, description="standardize advantages per minibatch")
    ent_coef: float = Field(0.0, ge=0, description="weight of the entropy bonus")
    vf_coef: float = Field(0.5, ge=0, description="weight of the value loss")
    target_kl: float | None = Field(
        None, gt=0, description="adaptive_kl lr target; otherwise stop an update's epochs at 1.5x this KL"
    )
    normalize_observations: bool = Field(False, description="standardize observations with running stats")
    normalize_returns: bool = Field(False, description="scale rewards by the running std of the return")
    clip_observations: float = Field(10.0, gt=0, description="clip normalized observations to ±this")
    log_std_init: float = Field(0.0, description="initial log standard deviation (continuous actions)")
    state_dependent_std: bool = Field(False, description="the network outputs the log std (continuous)")
    squash_actions: bool = Field(
        False, description="tanh-squash Gaussian actions into the action bounds (else clip)"
    )
