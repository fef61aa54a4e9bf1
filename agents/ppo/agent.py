"""Proximal Policy Optimization for discrete and continuous actions.

Collect ``n_steps`` steps from every env with the current policy, estimate advantages with GAE (bootstrapping
truncated episodes from their final observation), then run ``n_epochs`` passes of minibatch updates of the
clipped surrogate, the value loss and the entropy bonus.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch

from agents.actor_critic import (
    ActionMapper,
    ActorCritic,
    check_policy_gradient_spaces,
    flatten_privileged,
    is_privileged_space,
)
from agents.base import Agent, StepResult
from agents.ppo.config import PPOConfig
from agents.ppo.losses import clipped_surrogate_loss, normalize_advantages, value_loss
from agents.returns import generalized_advantage_estimate
from rlkit.errors import RlkitError
from rlkit.optim import (
    AdaptiveKLSchedule,
    build_lr_schedule,
    build_optimizer,
    clip_gradients,
    set_learning_rate,
)
from rlkit.rollout.normalization import ReturnNormalizer
from rlkit.rollout.rollout_buffer import RolloutBuffer, minibatch_indices

#: Metrics averaged over an update's minibatches, in the order :meth:`PPO._gradient_step` returns them.
METRIC_NAMES = (
    "loss/policy",
    "loss/value",
    "loss/entropy",
    "policy/approx_kl",
    "policy/clip_fraction",
    "optim/grad_norm",
)


class PPO(Agent):
    """PPO with GAE, clipped surrogate, optional value clipping and observation/return normalization."""

    config_class = PPOConfig
    description = "Proximal Policy Optimization (discrete and continuous actions)"
    config: PPOConfig

    def __init__(
        self,
        config: PPOConfig,
        observation_space: gym.Space,
        action_space: gym.Space,
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        self.policy = ActorCritic(
            observation_space,
            action_space,
            config.network,
            normalize_observations=config.normalize_observations,
            clip_observations=config.clip_observations,
            log_std_init=config.log_std_init,
            state_dependent_std=config.state_dependent_std,
            squash_actions=config.squash_actions,
        ).to(device)
        self.parameters = list(self.policy.parameters())
        self.optimizer = build_optimizer(self.parameters, config)
        self.lr_schedule = build_lr_schedule(config, target_kl=config.target_kl)
        self.to_env_action = ActionMapper(action_space, config.squash_actions)
        discrete = isinstance(action_space, gym.spaces.Discrete)
        self.buffer = RolloutBuffer(
            config.n_steps,
            num_envs,
            self.policy.observation_shape,
            () if discrete else action_space.shape,
            torch.long if discrete else torch.float32,
            device,
        )
        self.return_normalizer = (
            ReturnNormalizer(num_envs, config.gamma) if config.normalize_returns else None
        )
        self.generator = torch.Generator(device=device)
        self.generator.manual_seed(seed)
        self._pending: tuple[torch.Tensor, ...] | None = None
        self._last_next_obs: np.ndarray | None = None
        self.updates = 0

    @classmethod
    def check_spaces(cls, observation_space: gym.Space, action_space: gym.Space) -> None:
        check_policy_gradient_spaces("ppo", action_space)
        if isinstance(observation_space, gym.spaces.Dict) and not is_privileged_space(observation_space):
            raise RlkitError(
                "agent 'ppo' reads Box observations or Dict{policy, privileged}; "
                f"the env's is {observation_space}"
            )

    def _obs_tensor(self, obs: np.ndarray | dict[str, np.ndarray]) -> torch.Tensor:
        return torch.as_tensor(flatten_privileged(obs), dtype=torch.float32, device=self.device)

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        dist = self.policy.distribution(self.policy.normalize(self._obs_tensor(obs)))
        return self.to_env_action(dist.mode() if deterministic else dist.sample(self.generator))

    @torch.no_grad()
    def explore(self, obs: np.ndarray, env_steps: int) -> np.ndarray:
        raw = self._obs_tensor(obs)
        if self.policy.obs_normalizer is not None:
            self.policy.obs_normalizer.stats.update(raw)
        obs_t = self.policy.normalize(raw)
        dist, values = self.policy(obs_t)
        actions = dist.sample(self.generator)
        self._pending = (obs_t, actions, dist.log_prob(actions), values)
        return self.to_env_action(actions)

    @torch.no_grad()
    def record(self, step: StepResult) -> None:
        if self._pending is None:
            raise RuntimeError("record() called without a preceding explore()")
        obs_t, actions, log_probs, values = self._pending
        self._pending = None
        rewards = torch.as_tensor(step.rewards, dtype=torch.float32, device=self.device)
        terminated = torch.as_tensor(step.terminated, device=self.device)
        dones = torch.as_tensor(step.terminated | step.truncated, device=self.device)
        if self.return_normalizer is not None:
            rewards = self.return_normalizer(rewards.cpu(), dones.cpu()).to(self.device)
        truncation_values = torch.zeros_like(values)
        truncated = step.truncated & ~step.terminated
        if truncated.any():
            index = np.flatnonzero(truncated)
            final_obs = self.policy.normalize(self._obs_tensor(step.next_obs)[index])
            truncation_values[torch.as_tensor(index, device=self.device)] = self.policy.value(final_obs)
        self.buffer.add(obs_t, actions, log_probs, values, rewards, terminated, dones, truncation_values)
        self._last_next_obs = step.next_obs  # only the rollout's last one is needed, to bootstrap it

    def update_due(self, env_steps: int) -> bool:
        return self.buffer.full

    def _clip_range(self, progress: float) -> float:
        if self.config.clip_range_schedule == "linear":
            return self.config.clip_range * (1.0 - progress)
        return self.config.clip_range

    def update(self, progress: float) -> dict[str, float]:
        cfg = self.config
        buffer = self.buffer
        with torch.no_grad():
            last_values = self.policy.value(self.policy.normalize(self._obs_tensor(self._last_next_obs)))
            advantages, returns = generalized_advantage_estimate(
                buffer.rewards,
                buffer.values,
                buffer.next_values(last_values),
                buffer.terminated,
                buffer.dones,
                cfg.gamma,
                cfg.gae_lambda,
            )
        size = buffer.n_steps * buffer.num_envs
        obs = buffer.obs.reshape(size, *buffer.obs.shape[2:])
        actions = buffer.actions.reshape(size, *buffer.actions.shape[2:])
        old_log_probs = buffer.log_probs.reshape(size)
        old_values = buffer.values.reshape(size)
        advantages = advantages.reshape(size)
        returns = returns.reshape(size)

        if not isinstance(self.lr_schedule, AdaptiveKLSchedule):
            set_learning_rate(self.optimizer, self.lr_schedule(progress))
        clip_range = self._clip_range(progress)
        whole = [obs, actions, old_log_probs, old_values, advantages, returns]
        totals = torch.zeros(len(METRIC_NAMES), device=self.device)
        steps = 0
        kl_stop = False
        for _ in range(cfg.n_epochs):
            for index in minibatch_indices(size, cfg.batch_size, self.generator, self.device):
                batch = whole if index is None else [tensor[index] for tensor in whole]
                batch_metrics = self._gradient_step(batch, clip_range)
                totals += batch_metrics  # summed on the device: no host sync until the update ends
                steps += 1
                if cfg.target_kl is not None and not self._continue_after_kl(float(batch_metrics[3])):
                    kl_stop = True
                    break
            if kl_stop:  # the KL early stop ends all remaining epochs
                break
        buffer.reset()
        self.updates += 1
        metrics = dict(zip(METRIC_NAMES, (totals / steps).tolist(), strict=True))
        if cfg.max_grad_norm is None:
            del metrics["optim/grad_norm"]
        metrics["optim/lr"] = float(self.optimizer.param_groups[0]["lr"])
        metrics["policy/clip_range"] = clip_range
        metrics["value/explained_variance"] = _explained_variance(old_values, returns)
        log_std = getattr(self.policy.policy_head, "log_std", None)
        if log_std is not None:  # state-independent std: report it (state-dependent has no single value)
            metrics["policy/std"] = float(log_std.detach().exp().mean())
        return metrics

    def _gradient_step(self, batch: list[torch.Tensor], clip_range: float) -> torch.Tensor:
        """One minibatch step of the PPO loss; returns the values of :data:`METRIC_NAMES` as one tensor."""
        cfg = self.config
        obs, actions, old_log_probs, old_values, advantages, returns = batch
        dist, values = self.policy(obs)
        if cfg.normalize_advantage:
            advantages = normalize_advantages(advantages)
        policy_loss, info = clipped_surrogate_loss(
            dist.log_prob(actions), old_log_probs, advantages, clip_range
        )
        critic_loss = value_loss(values, old_values, returns, cfg.clip_range_vf)
        entropy = dist.entropy().mean()
        loss = policy_loss + cfg.vf_coef * critic_loss - cfg.ent_coef * entropy
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = clip_gradients(self.parameters, cfg.max_grad_norm)
        self.optimizer.step()
        if grad_norm is None:
            grad_norm = torch.zeros((), device=self.device)
        return torch.stack(
            [policy_loss, critic_loss, entropy, info["approx_kl"], info["clip_fraction"], grad_norm]
        ).detach()

    def _continue_after_kl(self, kl: float) -> bool:
        """KL control after a minibatch: adapt the lr (``adaptive_kl``), or say to stop at 1.5x target_kl."""
        if isinstance(self.lr_schedule, AdaptiveKLSchedule):
            set_learning_rate(self.optimizer, self.lr_schedule.observe_kl(kl))
            return True
        return kl <= 1.5 * self.config.target_kl

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "policy": self.policy.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "updates": self.updates,
        }
        if isinstance(self.lr_schedule, AdaptiveKLSchedule):
            state["adaptive_lr"] = self.lr_schedule.lr
        if self.return_normalizer is not None:
            state["return_normalizer"] = self.return_normalizer.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        try:
            self.policy.load_state_dict(state["policy"])
        except (RuntimeError, KeyError) as exc:
            raise RlkitError(
                f"checkpoint does not match this PPO network: {str(exc).splitlines()[0]}"
            ) from None
        if "optimizer" in state:
            self.optimizer.load_state_dict(state["optimizer"])
        if "generator" in state:
            self.generator.set_state(state["generator"])
        self.updates = int(state.get("updates", 0))
        if isinstance(self.lr_schedule, AdaptiveKLSchedule) and "adaptive_lr" in state:
            self.lr_schedule.lr = float(state["adaptive_lr"])
        if self.return_normalizer is not None and "return_normalizer" in state:
            self.return_normalizer.load_state_dict(state["return_normalizer"])


def _explained_variance(predicted: torch.Tensor, target: torch.Tensor) -> float:
    """1 - Var(target - predicted) / Var(target): 1 is a perfect value function, ≤ 0 no better than a mean."""
    variance = target.var()
    return float("nan") if variance == 0 else float(1.0 - (target - predicted).var() / variance)
