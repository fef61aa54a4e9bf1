"""REINFORCE with a learned state-value baseline, for discrete and continuous actions.

Collect ``n_steps`` steps from every env with the current policy. Each step's return is the discounted sum
of its episode's rewards up to the episode's end within the rollout: an episode that terminated there adds
nothing more; one cut off by a time-limit truncation or by the end of the rollout is bootstrapped there with
the critic's value of its final observation (the only places the critic enters the return; it continues in
the next rollout, whose returns start afresh). The advantage is return − V(s) (standardized unless
``normalize_advantage`` is off); one gradient step on the policy gradient, the value regression to the returns
and the entropy bonus follows.
"""

from __future__ import annotations

from typing import ClassVar

import torch

from rlkit.agents.on_policy import OnPolicyAgent, explained_variance
from rlkit.agents.on_policy_config import OnPolicyConfig
from rlkit.agents.ppo.losses import normalize_advantages
from rlkit.agents.reinforce.config import ReinforceConfig
from rlkit.agents.reinforce.losses import actor_critic_loss
from rlkit.agents.returns import discounted_returns
from rlkit.optim import clip_gradients, set_learning_rate


class Reinforce(OnPolicyAgent):
    """Monte-Carlo policy gradient with a value baseline; one gradient step per rollout."""

    config_class: ClassVar[type[OnPolicyConfig]] = ReinforceConfig
    config: OnPolicyConfig

    @torch.no_grad()
    def advantages_and_returns(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(T, N) advantages and value targets of the full rollout: here, return − V(s) and the return."""
        buffer = self.buffer
        returns = discounted_returns(
            buffer.rewards, self.next_values(), buffer.terminated, buffer.dones, self.config.gamma
        )
        return returns - buffer.values, returns

    def update(self, progress: float) -> dict[str, float]:
        cfg = self.config
        advantages, returns = self.advantages_and_returns()
        obs, actions, old_values, advantages, returns = self.flat_rollout(
            self.buffer.values, advantages, returns
        )
        if cfg.normalize_advantage:
            advantages = normalize_advantages(advantages)
        set_learning_rate(self.optimizer, self.lr_schedule(progress))
        dist, values = self.policy(obs)
        entropy = dist.entropy(self.generator)
        loss, terms = actor_critic_loss(
            dist.log_prob(actions), entropy, values, advantages, returns, cfg.vf_coef, cfg.ent_coef
        )
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = clip_gradients(self.parameters, cfg.max_grad_norm)
        self.optimizer.step()
        self.gradient_steps_done += 1
        self.buffer.reset()
        self.updates += 1
        metrics = {name: float(term) for name, term in terms.items()}
        if grad_norm is not None:
            metrics["optim/grad_norm"] = float(grad_norm)
        metrics["optim/lr"] = float(self.optimizer.param_groups[0]["lr"])
        metrics["value/explained_variance"] = explained_variance(old_values, returns)
        metrics.update(self.std_metric())
        return metrics
