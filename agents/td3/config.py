"""TD3's hyperparameters; defaults follow Stable-Baselines3's TD3 (Fujimoto et al., 2018)."""

from __future__ import annotations

from pydantic import Field

from rlkit.agents.off_policy_config import OffPolicyConfig
from rlkit.config.schema import NetworkConfig


class TD3Config(OffPolicyConfig):
    """TD3: twin Q critics with a clipped double-Q target, target policy smoothing, delayed actor updates.

    ``network`` shapes the actor's MLP and each critic's MLP over ``[encoded observation, action]``. Noise
    scales are in the actor's action units: actions live in ``[-1, 1]`` and are rescaled to the env's bounds,
    so a scale of 0.1 is a tenth of half the action range in every dimension.
    """

    name: str = Field("td3", description="agent name")
    # Stable-Baselines3's TD3 defaults where they differ from the off-policy family's (SAC's).
    network: NetworkConfig = Field(
        default_factory=lambda: NetworkConfig(hidden_sizes=[400, 300], activation="relu"),
        description="actor and critic shape (each critic: an MLP over [observation, action])",
    )
    lr: float = Field(1e-3, gt=0, description="learning rate of the actor and the critics")
    tau: float = Field(
        0.005, gt=0, le=1, description="Polyak factor of the target actor and critics (1: hard copy)"
    )
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
