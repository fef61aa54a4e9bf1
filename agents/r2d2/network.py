"""R2D2's Q-network: an encoder built from the observation space, a recurrent core, a (dueling) Q head."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import torch
from torch import nn

from rlkit.agents.r2d2.config import R2D2Config
from rlkit.nn import DuelingQHead, QHead, RecurrentCore, RecurrentState, build_encoder


class RecurrentQNetwork(nn.Module):
    """Q(h_t, ·) for every discrete action, ``h_t`` the core's memory of the episode's observations so far.

    Works on time-major sequences ``(T, B, ...)`` with ``episode_starts`` ``(T, B)``: the core wipes an env's
    memory right before the step where its episode starts. Acting is the case ``T = 1``.
    """

    def __init__(self, observation_space: gym.Space[Any], num_actions: int, config: R2D2Config) -> None:
        super().__init__()
        net, memory = config.network, config.memory
        self.encoder = build_encoder(
            observation_space,
            hidden_sizes=net.hidden_sizes,
            activation=net.activation,
            layer_norm=net.layer_norm,
            cnn=net.cnn,
        )
        self.core = RecurrentCore(self.encoder.output_dim, memory.hidden_size, memory.cell, memory.num_layers)
        head = DuelingQHead if config.dueling else QHead
        self.head = head(self.core.output_dim, num_actions)

    def initial_state(self, batch_size: int) -> RecurrentState:
        """Empty memory for ``batch_size`` envs."""
        return self.core.initial_state(batch_size)

    def forward(
        self, obs: torch.Tensor, state: RecurrentState, episode_starts: torch.Tensor
    ) -> tuple[torch.Tensor, RecurrentState]:
        """``(T, B, A)`` Q-values over a ``(T, B, ...)`` sequence, and the memory after its last step."""
        steps, batch = obs.shape[:2]
        features = self.encoder(obs.reshape(steps * batch, *obs.shape[2:])).reshape(steps, batch, -1)
        features, state = self.core(features, state, episode_starts)
        return self.head(features), state
