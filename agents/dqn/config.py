"""DQN's hyperparameters; defaults follow the Nature-DQN paper's settings as Stable-Baselines3 ships them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from rlkit.config.schema import NetworkConfig, OptimizedAgentConfig


class DQNConfig(OptimizedAgentConfig):
    """Deep Q-learning with a replay buffer, a target network and Double-DQN targets.

    The Rainbow components (Hessel et al., 2018) are switches, all off by default: dueling heads, n-step
    returns, prioritized replay, distributional (C51) values and noisy nets; turning all on gives Rainbow.
    """

    name: str = Field("dqn", description="agent name")
    network: NetworkConfig = Field(
        default_factory=lambda: NetworkConfig(activation="relu"), description="Q-network shape"
    )
    lr: float = Field(1e-4, gt=0, description="learning rate (the initial one when a schedule is set)")
    max_grad_norm: float | None = Field(10.0, gt=0, description="clip the global gradient norm (None: off)")
    buffer_size: int = Field(1_000_000, ge=1, description="transitions kept in the replay buffer")
    learning_starts: int = Field(100, ge=0, description="env steps collected before the first update")
    batch_size: int = Field(32, ge=1, description="transitions per gradient step")
    gamma: float = Field(0.99, ge=0, le=1, description="discount factor")
    train_freq: int = Field(4, ge=1, description="env steps between updates")
    gradient_steps: int = Field(1, ge=1, description="gradient steps per update")
    target_update_interval: int = Field(10_000, ge=1, description="env steps between target-network updates")
    tau: float = Field(1.0, gt=0, le=1, description="target update: 1 copies (hard), < 1 Polyak-averages")
    double_q: bool = Field(True, description="Double-DQN targets (online net picks, target net evaluates)")
    loss: Literal["huber", "mse"] = Field("huber", description="TD loss: huber (smooth L1) or mse")
    exploration_fraction: float = Field(
        0.1, ge=0, le=1, description="fraction of training over which epsilon decays linearly"
    )
    exploration_initial_eps: float = Field(1.0, ge=0, le=1, description="epsilon at the start")
    exploration_final_eps: float = Field(0.05, ge=0, le=1, description="epsilon after the decay")
    dueling: bool = Field(False, description="dueling head: Q = V + A - mean(A)")
    n_step: int = Field(
        1, ge=1, description="rewards summed per transition (n-step returns; cut at episode ends)"
    )
    prioritized_replay: bool = Field(
        False, description="sample transitions in proportion to |TD error|^alpha"
    )
    priority_alpha: float = Field(
        0.6, ge=0, description="prioritized replay: priority exponent alpha (0: uniform)"
    )
    priority_beta_start: float = Field(
        0.4,
        ge=0,
        le=1,
        description="prioritized replay: importance-weight exponent beta, annealed linearly to 1",
    )
    priority_eps: float = Field(
        1e-6, gt=0, description="prioritized replay: added to |TD error| in priorities"
    )
    frame_replay: Literal["auto", True, False] = Field(
        "auto",
        description="replay stores each image frame once, not per stack and next_obs (auto: uint8 images)",
    )
    distributional: bool = Field(False, description="C51: learn a categorical return distribution per action")
    num_atoms: int = Field(51, ge=2, description="distributional: atoms of the return support")
    v_min: float = Field(-10.0, description="distributional: lowest return on the support")
    v_max: float = Field(10.0, description="distributional: highest return on the support")
    noisy_nets: bool = Field(
        False, description="noisy output layers explore instead of epsilon-greedy (epsilon is then 0)"
    )
    noisy_sigma0: float = Field(
        0.5, gt=0, description="noisy nets: initial noise scale sigma0 (sigma = sigma0/sqrt(inputs))"
    )

    @model_validator(mode="after")
    def _support_is_an_interval(self) -> DQNConfig:
        if self.distributional and not self.v_min < self.v_max:
            raise ValueError(f"v_min ({self.v_min}) must be below v_max ({self.v_max})")
        return self
