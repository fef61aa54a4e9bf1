"""Twin Delayed DDPG (Fujimoto et al., 2018) for continuous actions: a deterministic actor, twin Q critics
with a clipped double-Q target, target policy smoothing and delayed actor updates, with Polyak-averaged
targets for the actor and the critics, optionally asymmetric (privileged critic observations)."""

from __future__ import annotations

import copy
from typing import Any

import gymnasium as gym
import torch
from torch import nn

from rlkit.agents.off_policy import OffPolicyActorCritic, OffPolicyActorNetwork
from rlkit.agents.q_critics import polyak_update
from rlkit.agents.sac.losses import critic_loss
from rlkit.agents.td3.config import TD3Config
from rlkit.agents.td3.losses import clipped_double_q_target, deterministic_actor_loss, smoothed_target_actions
from rlkit.config.schema import NetworkConfig
from rlkit.nn import build_encoder
from rlkit.nn.heads import POLICY_OUTPUT_GAIN
from rlkit.nn.init import orthogonal_init

#: The metrics only an actor step reports.
ACTOR_METRICS = ("loss/actor", "value/q_pi")


class DeterministicActor(OffPolicyActorNetwork):
    """μ(s): an encoder and a linear layer squashed by ``tanh``, so actions are in ``(-1, 1)``.

    The output layer starts tiny (gain 0.01) so that the first actions are near the middle of the range. With
    ``actor_dim`` set the actor reads only the leading ``actor_dim`` columns of a flat
    ``[policy | privileged]`` observation.
    """

    def __init__(
        self,
        observation_space: gym.Space[Any],
        action_dim: int,
        network: NetworkConfig,
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
        self.output = orthogonal_init(nn.Linear(self.encoder.output_dim, action_dim), gain=POLICY_OUTPUT_GAIN)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """(B, A) actions for a batch of (flat) observations."""
        if self.actor_dim is not None:
            obs = obs[..., : self.actor_dim]
        return torch.tanh(self.output(self.encoder(obs)))


class TD3(OffPolicyActorCritic):
    """TD3 with ``gradient_steps`` critic updates per ``train_freq`` env steps after ``learning_starts``
    steps of uniform random actions; the actor and the targets follow every ``policy_delay`` critic updates.

    Replay, warm-up, privileged observations and checkpoints are :class:`OffPolicyActorCritic`'s. Exploration
    and smoothing noise are added in the actor's ``[-1, 1]`` units, so they scale with the action range, and
    come from its checkpointed generator.
    """

    config_class = TD3Config
    config: TD3Config
    actor: DeterministicActor

    def __init__(
        self,
        config: TD3Config,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        self.actor_target = copy.deepcopy(self.actor).requires_grad_(False)
        # The actor learns on every policy_delay-th step only: logged rows repeat its latest metrics.
        self.actor_metrics: dict[str, float] = {}

    def build_actor(self, actor_space: gym.Space[Any], actor_dim: int | None) -> DeterministicActor:
        return DeterministicActor(actor_space, self.action_dim, self.config.network, actor_dim)

    def _noise(self, shape: torch.Size, std: float) -> torch.Tensor:
        """Gaussian noise of standard deviation ``std`` from the agent's checkpointed stream."""
        return std * torch.randn(shape, generator=self.generator, device=self.device)

    def _deterministic_actions(self, obs: torch.Tensor) -> torch.Tensor:
        return self.actor(obs)

    def _explore_actions(self, obs: torch.Tensor) -> torch.Tensor:
        """``clip(μ(s) + N(0, σ²), -1, 1)``: the actor's actions with exploration noise."""
        actions = self.actor(obs)
        return (actions + self._noise(actions.shape, self.config.exploration_noise)).clamp(-1.0, 1.0)

    def _run_gradient_steps(self, steps: int) -> dict[str, float]:
        metrics = super()._run_gradient_steps(steps)
        actor_metrics = {key: metrics.pop(key) for key in ACTOR_METRICS if key in metrics}
        if actor_metrics:
            self.actor_metrics = actor_metrics
        return {**metrics, **self.actor_metrics}

    def _target_actions(self, next_obs: torch.Tensor) -> torch.Tensor:
        """The target actor's actions at ``s'`` with clipped smoothing noise."""
        cfg = self.config
        actions = self.actor_target(next_obs)
        noise = self._noise(actions.shape, cfg.target_policy_noise)
        return smoothed_target_actions(actions, noise, cfg.target_noise_clip)

    def _gradient_step(self) -> dict[str, torch.Tensor]:
        """One critic step; every ``policy_delay``-th one also an actor step and Polyak updates of both
        targets, as Stable-Baselines3. The actor's metrics (:data:`ACTOR_METRICS`) only with an actor step."""
        cfg = self.config
        batch = self.buffer.sample(cfg.batch_size)
        with torch.no_grad():
            next_q1, next_q2 = self.critic_target(batch.next_obs, self._target_actions(batch.next_obs))
            target = clipped_double_q_target(batch.rewards, next_q1, next_q2, batch.terminated, cfg.gamma)
        q1, q2 = self.critic(batch.obs, batch.actions)
        q_loss, q_info = critic_loss(q1, q2, target)
        self._optimizer_step(self.critic_optimizer, self.critic_parameters, q_loss)
        self.gradient_steps_done += 1
        critic_metrics = {"loss/critic": q_loss.detach(), "value/q_mean": q_info["q_mean"]}
        if self.gradient_steps_done % cfg.policy_delay != 0:
            return critic_metrics

        with self._frozen_critic():
            q1_pi = self.critic.q1(batch.obs, self.actor(batch.obs))
        pi_loss, pi_info = deterministic_actor_loss(q1_pi)
        self._optimizer_step(self.actor_optimizer, self.actor_parameters, pi_loss)
        polyak_update(self.critic_target, self.critic, cfg.tau)
        polyak_update(self.actor_target, self.actor, cfg.tau)
        return {**critic_metrics, "loss/actor": pi_loss.detach(), "value/q_pi": pi_info["q_pi"]}

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["actor_target"] = self.actor_target.state_dict()
        state["actor_metrics"] = dict(self.actor_metrics)
        return state

    def _load_learned_state(self, state: dict[str, Any]) -> None:
        self.actor_target.load_state_dict(state["actor_target"])

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.actor_metrics = {key: float(value) for key, value in state["actor_metrics"].items()}
