"""Hyperparameters shared by the on-policy actor-critic agents (PPO, A2C, REINFORCE with a baseline)."""

from __future__ import annotations

from pydantic import Field

from rlkit.config.schema import OptimizedAgentConfig


class OnPolicyConfig(OptimizedAgentConfig):
    """Rollout collection, the actor-critic network's options and the loss weights of the on-policy family."""

    n_steps: int = Field(2048, ge=1, description="steps per env collected before each update")
    gamma: float = Field(0.99, ge=0, le=1, description="discount factor")
    normalize_advantage: bool = Field(
        True, description="standardize advantages per minibatch (A2C, REINFORCE: over the rollout)"
    )
    ent_coef: float = Field(
        0.0,
        ge=0,
        description="weight of the entropy bonus (squash_actions: the squashed actions' entropy, estimated "
        "as -log pi of a sampled action)",
    )
    vf_coef: float = Field(0.5, ge=0, description="weight of the value loss")
    normalize_observations: bool = Field(
        False,
        description="standardize vector observations with running stats (never images: the CNN scales them)",
    )
    normalize_returns: bool = Field(False, description="scale rewards by the running std of the return")
    clip_observations: float = Field(10.0, gt=0, description="clip normalized observations to ±this")
    log_std_init: float = Field(0.0, description="initial log standard deviation (continuous actions)")
    state_dependent_std: bool = Field(False, description="the network outputs the log std (continuous)")
    squash_actions: bool = Field(
        False, description="tanh-squash Gaussian actions into the action bounds (else clip)"
    )
