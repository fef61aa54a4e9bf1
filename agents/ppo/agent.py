"""Proximal Policy Optimization for discrete and continuous actions.

Collect ``n_steps`` steps from every env with the current policy, estimate advantages with GAE (bootstrapping
truncated episodes from their final observation), then run ``n_epochs`` passes of minibatch updates of the
clipped surrogate, the value loss and the entropy bonus.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import gymnasium as gym
import torch

from rlkit.agents.actor_critic import ActionDistribution
from rlkit.agents.on_policy import OnPolicyAgent, explained_variance
from rlkit.agents.ppo.config import PPOConfig
from rlkit.agents.ppo.losses import clipped_surrogate_loss, masked_mean, normalize_advantages, value_loss
from rlkit.agents.returns import generalized_advantage_estimate
from rlkit.buffers.rollout_buffer import minibatch_indices
from rlkit.nn.normalization import ValueNormalizer
from rlkit.optim import AdaptiveKLSchedule, clip_gradients, set_learning_rate

#: Metrics averaged over an update's minibatches, in the order :meth:`PPO._gradient_step` returns them.
METRIC_NAMES = (
    "loss/policy",
    "loss/value",
    "loss/entropy",
    "policy/approx_kl",
    "policy/clip_fraction",
    "optim/grad_norm",
)


@dataclass(frozen=True)
class PPOBatch:
    """Samples for PPO's loss. Every field is ``(B, ...)``, except that a recurrent policy's ``obs`` are
    ``(L, S, ...)`` sequences (``B = L * S``, time-major) that ``memory`` says how to start."""

    obs: torch.Tensor
    actions: torch.Tensor
    old_log_probs: torch.Tensor
    old_values: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor
    #: Recurrent policies: whatever their ``evaluate_batch`` needs to replay the sequences.
    memory: Any = None

    def select(self, index: torch.Tensor) -> PPOBatch:
        """The samples at ``index`` (feed-forward batches)."""
        tensors = (getattr(self, field.name) for field in fields(self) if field.name != "memory")
        return PPOBatch(*(tensor[index] for tensor in tensors))


class PPO(OnPolicyAgent):
    """PPO with GAE, clipped surrogate, optional value clipping and Huber loss, and observation, return and
    value normalization."""

    config_class: ClassVar[type[PPOConfig]] = PPOConfig
    config: PPOConfig

    def __init__(
        self,
        config: PPOConfig,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        #: ``agent.value_normalization``: the critic's outputs (and the rollout's stored values) are in its
        #: standardized units, mapped back wherever they meet rewards.
        self.value_normalizer = ValueNormalizer().to(device) if config.value_normalization else None

    def kl_target(self) -> float | None:
        """``agent.target_kl``: the KL per minibatch that ``adaptive_kl`` holds and the early stop guards."""
        return self.config.target_kl

    def _clip_range(self, progress: float) -> float:
        if self.config.clip_range_schedule == "linear":
            return self.config.clip_range * (1.0 - progress)
        return self.config.clip_range

    def update(self, progress: float) -> dict[str, float]:
        cfg = self.config
        buffer = self.buffer
        with torch.no_grad():
            values, next_values = self._in_return_units(buffer.values, self.next_values())
            advantages, returns = generalized_advantage_estimate(
                buffer.rewards,
                values,
                next_values,
                buffer.terminated,
                buffer.dones,
                cfg.gamma,
                cfg.gae_lambda,
            )
        samples = self.training_samples(advantages, returns)

        if not isinstance(self.lr_schedule, AdaptiveKLSchedule):
            set_learning_rate(self.optimizer, self.lr_schedule(progress))
        clip_range = self._clip_range(progress)
        totals = torch.zeros(len(METRIC_NAMES), device=self.device)
        minibatches = 0
        kl_stop = False
        for _ in range(cfg.n_epochs):
            for batch in self.minibatches(samples):
                batch_metrics, kl_stop = self._gradient_step(batch, clip_range)
                totals += batch_metrics  # summed on the device: no host sync until the update ends
                minibatches += 1
                if kl_stop:
                    break
            if kl_stop:  # the KL early stop ends all remaining epochs
                break
        buffer.reset()
        self.updates += 1
        means = totals.tolist()
        metrics = {name: total / minibatches for name, total in zip(METRIC_NAMES, means, strict=True)}
        # The minibatch the KL stopped took no step: the gradient norm is the mean over the steps taken.
        steps_taken = minibatches - int(kl_stop)
        if cfg.max_grad_norm is None or steps_taken == 0:
            del metrics["optim/grad_norm"]
        else:
            metrics["optim/grad_norm"] = means[METRIC_NAMES.index("optim/grad_norm")] / steps_taken
        metrics["optim/lr"] = float(self.optimizer.param_groups[0]["lr"])
        metrics["policy/clip_range"] = clip_range
        metrics["value/explained_variance"] = explained_variance(values, returns)
        metrics.update(self.std_metric())
        return metrics

    def _in_return_units(self, *values: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Critic outputs in the return's units: denormalized with ``value_normalization``, else unchanged."""
        if self.value_normalizer is None:
            return values
        return tuple(self.value_normalizer.denormalize(value) for value in values)

    def training_samples(self, advantages: torch.Tensor, returns: torch.Tensor) -> PPOBatch:
        """The whole rollout as independent samples, ``(T * N, ...)``."""
        buffer = self.buffer
        obs, actions, old_log_probs, old_values, advantages, returns = self.flat_rollout(
            buffer.log_probs, buffer.values, advantages, returns
        )
        return PPOBatch(obs, actions, old_log_probs, old_values, advantages, returns)

    def minibatches(self, samples: PPOBatch) -> Iterator[PPOBatch]:
        """One epoch of shuffled minibatches of ``batch_size`` samples."""
        size = samples.actions.shape[0]
        for index in minibatch_indices(size, self.config.batch_size, self.generator, self.device):
            yield samples if index is None else samples.select(index)

    def evaluate_batch(self, batch: PPOBatch) -> tuple[ActionDistribution, torch.Tensor]:
        """π and V at the batch's samples, in the order of its actions."""
        return self.policy(batch.obs)

    def _gradient_step(self, batch: PPOBatch, clip_range: float) -> tuple[torch.Tensor, bool]:
        """One minibatch step of the PPO loss: the values of :data:`METRIC_NAMES` as one tensor, and whether
        the KL early stop ends the update here.

        The KL between the rollout's policy and the current one is measured before the step, as
        Stable-Baselines3 and rsl_rl do: a minibatch already past the limit takes no step (its losses and KL
        are reported, its gradient norm is zero and left out of the mean), and the adaptive learning rate is
        set for the step it governs.
        """
        cfg = self.config
        dist, values = self.evaluate_batch(batch)
        acting = self.policy.acting(batch.obs)  # None, or the rows whose agent acted (masked games)
        advantages = batch.advantages
        if acting is not None:  # a recurrent batch's (T, B) steps, flattened time-major as its samples are
            acting = acting.reshape(advantages.shape)
        if cfg.normalize_advantage:
            advantages = normalize_advantages(advantages, acting=acting)
        policy_loss, info = clipped_surrogate_loss(
            dist.log_prob(batch.actions), batch.old_log_probs, advantages, clip_range, acting
        )
        targets = batch.returns
        if self.value_normalizer is not None:  # MAPPO updates the statistics with every minibatch's targets
            self.value_normalizer.update(targets)
            targets = self.value_normalizer.normalize(targets)
        critic_loss = value_loss(values, batch.old_values, targets, cfg.clip_range_vf, cfg.value_huber_delta)
        entropy = masked_mean(dist.entropy(self.generator), acting)
        loss = policy_loss + cfg.vf_coef * critic_loss - cfg.ent_coef * entropy
        if cfg.target_kl is not None and not self._continue_after_kl(float(info["approx_kl"]), cfg.target_kl):
            zero = torch.zeros((), device=self.device)
            stacked = [policy_loss, critic_loss, entropy, info["approx_kl"], info["clip_fraction"], zero]
            return torch.stack(stacked).detach(), True
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = clip_gradients(self.parameters, cfg.max_grad_norm)
        self.optimizer.step()
        self.gradient_steps_done += 1
        if grad_norm is None:
            grad_norm = torch.zeros((), device=self.device)
        return torch.stack(
            [policy_loss, critic_loss, entropy, info["approx_kl"], info["clip_fraction"], grad_norm]
        ).detach(), False

    def _continue_after_kl(self, kl: float, target_kl: float) -> bool:
        """KL control before a minibatch's step: adapt the lr (``adaptive_kl``), or say to stop at 1.5x
        ``target_kl``."""
        if isinstance(self.lr_schedule, AdaptiveKLSchedule):
            set_learning_rate(self.optimizer, self.lr_schedule.observe_kl(kl))
            return True
        return kl <= 1.5 * target_kl

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        if isinstance(self.lr_schedule, AdaptiveKLSchedule):
            state["adaptive_lr"] = self.lr_schedule.lr
        if self.value_normalizer is not None:
            state["value_normalizer"] = self.value_normalizer.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        if isinstance(self.lr_schedule, AdaptiveKLSchedule) and "adaptive_lr" in state:
            self.lr_schedule.lr = float(state["adaptive_lr"])
        if self.value_normalizer is not None and "value_normalizer" in state:
            self.value_normalizer.load_state_dict(state["value_normalizer"])
