"""The actor-critic network with memory: an LSTM (or GRU) core between each encoder and its head."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import torch

from rlkit.agents.actor_critic import ActionDistribution, ActorCritic
from rlkit.config.schema import MemoryConfig, NetworkConfig
from rlkit.errors import RlkitError
from rlkit.nn import RecurrentCore, RecurrentState

ActorCriticState = tuple[RecurrentState, RecurrentState]
"""The actor's and the critic's recurrent state."""


class RecurrentActorCritic(ActorCritic):
    """π(a|h) and V(h) where h is the memory of the observations so far in the episode.

    Actor and critic each have their own core, so the value loss never shapes the policy's memory (the
    choice of recurrent PPO implementations that do well on memory tasks). Every method works on
    time-major sequences ``(T, B, ...)`` with ``episode_starts`` ``(T, B)``: a core wipes an env's memory
    right before the step where its episode starts. Acting is the case ``T = 1``.
    """

    def __init__(
        self,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        network: NetworkConfig,
        memory: MemoryConfig,
        normalize_observations: bool = False,
        clip_observations: float = 10.0,
        log_std_init: float = 0.0,
        state_dependent_std: bool = False,
        squash_actions: bool = False,
    ) -> None:
        if network.shared_encoder:
            raise RlkitError(
                "agent.network.shared_encoder: a recurrent actor-critic keeps actor and critic apart"
            )
        self.memory = memory
        super().__init__(
            observation_space,
            action_space,
            network,
            normalize_observations=normalize_observations,
            clip_observations=clip_observations,
            log_std_init=log_std_init,
            state_dependent_std=state_dependent_std,
            squash_actions=squash_actions,
        )

    def head_inputs(self) -> tuple[int, int]:
        def core(input_dim: int) -> RecurrentCore:
            return RecurrentCore(input_dim, self.memory.hidden_size, self.memory.cell, self.memory.num_layers)

        self.actor_core = core(self.actor_encoder.output_dim)
        self.critic_core = core(self.critic_encoder.output_dim)
        return self.actor_core.output_dim, self.critic_core.output_dim

    def initial_state(self, batch_size: int) -> ActorCriticState:
        """Empty memories for ``batch_size`` envs."""
        return self.actor_core.initial_state(batch_size), self.critic_core.initial_state(batch_size)

    def _encode(self, encoder: torch.nn.Module, obs: torch.Tensor) -> torch.Tensor:
        """Apply a (feed-forward) encoder to ``(T, B, ...)`` observations."""
        steps, batch = obs.shape[:2]
        return encoder(obs.reshape(steps * batch, *obs.shape[2:])).reshape(steps, batch, -1)

    def distribution_sequence(
        self, obs: torch.Tensor, state: RecurrentState, episode_starts: torch.Tensor
    ) -> tuple[ActionDistribution, RecurrentState]:
        """π(·|h_t) for every step of normalized ``(T, B, ...)`` observations, flattened to ``T * B``
        samples (time-major), and the actor's state after the last step."""
        actor_obs = self.actor_input(obs)
        features, state = self.actor_core(self._encode(self.actor_encoder, actor_obs), state, episode_starts)
        return self.legal(self.policy_head(features.reshape(-1, features.shape[-1])), obs), state

    def value_sequence(
        self, obs: torch.Tensor, state: RecurrentState, episode_starts: torch.Tensor | None
    ) -> tuple[torch.Tensor, RecurrentState]:
        """V(h_t), ``(T * B,)`` time-major, and the critic's state after the last step (``episode_starts``
        None: no episode starts within the sequence)."""
        critic_obs = self._unmasked(obs)
        features, state = self.critic_core(
            self._encode(self.critic_encoder, critic_obs), state, episode_starts
        )
        return self.value_head(features.reshape(-1, features.shape[-1])), state

    def forward_sequence(
        self, obs: torch.Tensor, state: ActorCriticState, episode_starts: torch.Tensor
    ) -> tuple[ActionDistribution, torch.Tensor, ActorCriticState]:
        """π and V over a sequence, and the state after it."""
        dist, actor_state = self.distribution_sequence(obs, state[0], episode_starts)
        values, critic_state = self.value_sequence(obs, state[1], episode_starts)
        return dist, values, (actor_state, critic_state)

    def distribution(self, obs: torch.Tensor) -> ActionDistribution:
        """π(·|s) of a single step from an empty memory."""
        batch = obs.shape[0]
        starts = torch.ones(1, batch, dtype=torch.bool, device=obs.device)
        state = self.actor_core.initial_state(batch, obs.device)
        return self.distribution_sequence(obs.unsqueeze(0), state, starts)[0]

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        """V(s) of a single step from an empty memory."""
        batch = obs.shape[0]
        starts = torch.ones(1, batch, dtype=torch.bool, device=obs.device)
        state = self.critic_core.initial_state(batch, obs.device)
        return self.value_sequence(obs.unsqueeze(0), state, starts)[0]
