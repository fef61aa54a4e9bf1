"""TD3's hyperparameters; defaults follow Stable-Baselines3's TD3 (Fujimoto et al., 2018)."""

from __future__ import annotations

from pydantic import Field

from rlkit.config.schema import AgentConfig, NetworkConfig


class TD3Config(AgentConfig):
    """TD3: twin Q critics with a clipped double-Q target, target policy smoothing, delayed actor updates.

    ``network`` shapes the actor's MLP and each critic's MLP over ``[encoded observation, action]``. Noise
    scales are in the actor's action units: actions live in ``[-1, 1]`` and are rescaled to the env's bounds,
    so a scale of 0.1 is a tenth of half the action range in every dimension.
    """

    name: str = Field("td3", description="agent name")
    network: NetworkConfig = Field(
        default_factory=lambda: NetworkConfig(hidden_sizes=[400, 300], activation="relu"),
        description="actor and critic shape (each critic: an MLP over [observation, action])",
    )
    lr: float = Field(1e-3, gt=0, description="learning rate of the actor and the critics")
    max_grad_norm: float | None = Field(None, gt=0, description="clip the global gradient norm (None: off)")
    buffer_size: int = Field(1_000_000, ge=1, description="transitions kept in the replay buffer")
    learning_starts: int = Field(
        100, ge=0, description="env steps of uniform random actions collected before the first update"
    )
    batch_size: int = Field(256, ge=1, description="transitions per gradient step")
    gamma: float = Field(0.99, ge=0, le=1, description="discount factor")
    tau: float = Field(
        0.005, gt=0, le=1, description="Polyak factor of the target actor and critics (1: hard copy)"
    )
    train_freq: int = Field(1, ge=1, description="env steps (summed over envs) per gradient_steps updates")
    gradient_steps: int = Field(
        1, ge=1, description="critic gradient steps per train_freq env steps (the update-to-data ratio)"
    )
    policy_delay: int = Field(
        2, ge=1, description="critic gradient steps per actor step and Polyak update of the targets"
    )
    exploration_noise: float = Field(
        0.1, ge=0, description="std of the Gaussian noise added to the actor's actions when exploring"
    )
    target_policy_noise: float = Field(
        0.2, ge=0, description="std of the Gaussian noise smoothing the target actor's actions"
    )
    target_noise_clip: float = Field(
        0.5, ge=0, description="the target policy smoothing noise is clipped to ±this"
    )
