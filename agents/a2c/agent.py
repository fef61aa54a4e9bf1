"""Synchronous advantage actor-critic (A2C) for discrete and continuous actions.

Collect a short rollout (``n_steps``, 5 by default) from every env, estimate advantages with GAE(λ) —
at λ = 1, as by default, the n-step returns to the rollout's end minus V(s), bootstrapped from the critic
there and at truncations — then take one gradient step on the policy gradient, the value loss and the
entropy bonus. It is REINFORCE-with-baseline's update on bootstrapped advantages from short rollouts.
"""

from __future__ import annotations

import torch

from rlkit.agents.a2c.config import A2CConfig
from rlkit.agents.reinforce.agent import Reinforce
from rlkit.agents.returns import generalized_advantage_estimate


class A2C(Reinforce):
    """A2C: GAE(λ) advantages over short rollouts, one gradient step per rollout (RMSprop by default)."""

    config_class = A2CConfig
    config: A2CConfig

    @torch.no_grad()
    def advantages_and_returns(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(T, N) GAE(λ) advantages and λ-returns of the full rollout."""
        buffer = self.buffer
        return generalized_advantage_estimate(
            buffer.rewards,
            buffer.values,
            self.next_values(),
            buffer.terminated,
            buffer.dones,
            self.config.gamma,
            self.config.gae_lambda,
        )
