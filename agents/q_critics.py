"""The twin Q critics of the off-policy actor-critic agents (SAC, TD3) and Polyak averaging of targets."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import torch
from torch import nn

from rlkit.config.schema import NetworkConfig
from rlkit.nn import MLP, build_encoder


class QCritic(nn.Module):
    """Q(s, a): an MLP over ``[encoded observation, action]`` (the encoder is the identity for vectors)."""

    def __init__(self, observation_space: gym.Space[Any], action_dim: int, network: NetworkConfig) -> None:
        super().__init__()
        self.encoder = build_encoder(observation_space, hidden_sizes=(), cnn=network.cnn)
        self.mlp = MLP(
            self.encoder.output_dim + action_dim,
            network.hidden_sizes,
            activation=network.activation,
            layer_norm=network.layer_norm,
            output_dim=1,
        )

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """(B,) Q-values."""
        return self.mlp(torch.cat([self.encoder(obs), actions], dim=-1)).squeeze(-1)


class TwinQCritic(nn.Module):
    """Two independently initialized critics; SAC and TD3 bootstrap from the smaller of their values."""

    def __init__(self, observation_space: gym.Space[Any], action_dim: int, network: NetworkConfig) -> None:
        super().__init__()
        self.q1 = QCritic(observation_space, action_dim, network)
        self.q2 = QCritic(observation_space, action_dim, network)

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both critics' (B,) Q-values."""
        return self.q1(obs, actions), self.q2(obs, actions)


@torch.no_grad()
def polyak_update(target: nn.Module, source: nn.Module, tau: float) -> None:
    """``θ' ← (1 - τ) θ' + τ θ`` for every parameter of ``target`` and its counterpart in ``source``."""
    # One fused call over every tensor: a Python loop of lerp_ calls costs more than the arithmetic.
    torch._foreach_lerp_(list(target.parameters()), list(source.parameters()), tau)
