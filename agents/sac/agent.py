"""Soft Actor-Critic (Haarnoja et al., 2018) for continuous actions: twin Q critics with Polyak-averaged
targets, a tanh-squashed Gaussian actor and automatic entropy tuning, optionally asymmetric (privileged
critic observations)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from rlkit.agents.off_policy import OffPolicyActorCritic, OffPolicyActorNetwork
from rlkit.agents.q_critics import polyak_update
from rlkit.agents.sac.config import SACConfig
from rlkit.agents.sac.losses import actor_loss, critic_loss, entropy_coef_loss, soft_q_target
from rlkit.config.schema import NetworkConfig
from rlkit.nn import GaussianHead, build_encoder
from rlkit.nn.distributions import DiagGaussian
from rlkit.optim import build_optimizer


class SquashedGaussianActor(OffPolicyActorNetwork):
    """π(a|s): an encoder and a Gaussian head with state-dependent, clamped log std, squashed by ``tanh``.

    Actions are in ``(-1, 1)``. With ``actor_dim`` set the actor reads only the leading ``actor_dim``
    columns of a flat ``[policy | privileged]`` observation.
    """

    def __init__(
        self,
        observation_space: gym.Space[Any],
        action_dim: int,
        network: NetworkConfig,
        log_std_bounds: tuple[float, float],
        actor_dim: int | None = None,
    ) -> None:
        super().__init__()
        self.actor_dim = actor_dim
        self.encoder = build_encoder(
            observation_space,
            hidden_sizes=network.hidden_sizes,
            activation=network.activation,
            layer_norm=network.layer_norm,
            cnn=network.cnn,
        )
        self.head = GaussianHead(
            self.encoder.output_dim,
            action_dim,
            state_dependent_std=True,
            squash=True,
            log_std_bounds=log_std_bounds,
        )

    def forward(self, obs: torch.Tensor) -> DiagGaussian:
        """π(·|s) for a batch of (flat) observations."""
        if self.actor_dim is not None:
            obs = obs[..., : self.actor_dim]
        return self.head(self.encoder(obs))


class SAC(OffPolicyActorCritic):
    """SAC with ``gradient_steps`` updates per ``train_freq`` env steps after ``learning_starts`` steps of
    uniform random actions.

    Replay, warm-up, privileged observations and checkpoints are :class:`OffPolicyActorCritic`'s; the actor's
    reparameterized samples in updates come from its checkpointed generator too.
    """

    config_class = SACConfig
    config: SACConfig
    actor: SquashedGaussianActor

    def __init__(
        self,
        config: SACConfig,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        self.auto_entropy = config.ent_coef == "auto"
        initial = config.ent_coef_init if self.auto_entropy else float(config.ent_coef)
        # log α for a fixed coefficient too, so that both cases checkpoint the same way; ln 0 is -inf.
        self.log_alpha = nn.Parameter(
            torch.full((1,), float(np.log(initial)) if initial > 0 else -np.inf, device=device),
            requires_grad=False,
        )
        self.target_entropy = (
            float(config.target_entropy) if config.target_entropy is not None else -float(self.action_dim)
        )
        self.ent_optimizer: torch.optim.Optimizer | None = None
        if self.auto_entropy:
            self.log_alpha.requires_grad_(True)
            self.ent_optimizer = build_optimizer([self.log_alpha], config)

    def build_actor(self, actor_space: gym.Space[Any], actor_dim: int | None) -> SquashedGaussianActor:
        bounds = (self.config.log_std_min, self.config.log_std_max)
        return SquashedGaussianActor(actor_space, self.action_dim, self.config.network, bounds, actor_dim)

    @property
    def alpha(self) -> torch.Tensor:
        """The entropy coefficient α (not differentiated)."""
        return self.log_alpha.detach().exp()

    def _deterministic_actions(self, obs: torch.Tensor) -> torch.Tensor:
        return self.actor(obs).mode()

    def _explore_actions(self, obs: torch.Tensor) -> torch.Tensor:
        return self.actor(obs).sample(self.generator)

    def optimizers(self) -> list[torch.optim.Optimizer]:
        optimizers = super().optimizers()
        return optimizers if self.ent_optimizer is None else [*optimizers, self.ent_optimizer]

    def _gradient_step(self) -> dict[str, torch.Tensor]:
        """One SAC step (the entropy coefficient, then the critics, then the actor), as Stable-Baselines3."""
        cfg = self.config
        batch = self.buffer.sample(cfg.batch_size)
        actions_pi, log_probs = self.actor(batch.obs).sample_with_log_prob(self.generator)
        metrics: dict[str, torch.Tensor] = {}
        alpha = self.alpha  # the value before this step's entropy update, for both losses
        if self.ent_optimizer is not None:
            ent_loss, _ = entropy_coef_loss(self.log_alpha, log_probs, self.target_entropy)
            self.ent_optimizer.zero_grad(set_to_none=True)
            ent_loss.backward()
            self.ent_optimizer.step()
            metrics["loss/ent_coef"] = ent_loss.detach()

        with torch.no_grad():
            next_actions, next_log_probs = self.actor(batch.next_obs).sample_with_log_prob(self.generator)
            next_q1, next_q2 = self.critic_target(batch.next_obs, next_actions)
            target = soft_q_target(
                batch.rewards, next_q1, next_q2, next_log_probs, batch.terminated, cfg.gamma, alpha
            )
        q1, q2 = self.critic(batch.obs, batch.actions)
        q_loss, q_info = critic_loss(q1, q2, target)
        self._optimizer_step(self.critic_optimizer, self.critic_parameters, q_loss)

        with self._frozen_critic():
            q1_pi, q2_pi = self.critic(batch.obs, actions_pi)
        pi_loss, pi_info = actor_loss(log_probs, q1_pi, q2_pi, alpha)
        self._optimizer_step(self.actor_optimizer, self.actor_parameters, pi_loss)

        self.gradient_steps_done += 1
        if self.gradient_steps_done % cfg.target_update_interval == 0:
            self._update_target()
        metrics.update(
            {
                "loss/critic": q_loss.detach(),
                "loss/actor": pi_loss.detach(),
                "value/q_mean": q_info["q_mean"],
                "policy/entropy": pi_info["entropy"],
                "policy/ent_coef": alpha.squeeze(0),
            }
        )
        return metrics

    def _update_target(self) -> None:
        polyak_update(self.critic_target, self.critic, self.config.tau)

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["log_alpha"] = self.log_alpha.detach().clone()
        if self.ent_optimizer is not None:
            state["ent_optimizer"] = self.ent_optimizer.state_dict()
        return state

    def _load_learned_state(self, state: dict[str, Any]) -> None:
        if self.ent_optimizer is not None:
            self.ent_optimizer.load_state_dict(state["ent_optimizer"])
        with torch.no_grad():
            self.log_alpha.copy_(state["log_alpha"])
