"""DQN's hyperparameters; defaults follow the Nature-DQN paper's settings as Stable-Baselines3 ships them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rlkit.config.schema import AgentConfig, NetworkConfig


class DQNConfig(AgentConfig):
    """Deep Q-learning with a replay buffer, a target network and Double-DQN targets."""

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
