"""The deterministic action of each kind of trained network, as a graph: the middle of a deployable policy.

Each maps (preprocessed) observations or memory features to the action the agent's deterministic policy
chooses, before the mapping onto the env's action space: the mode of a policy head, the argmax of a
Q-network, an off-policy actor's output.
"""

from __future__ import annotations

import torch
from torch import nn

from rlkit.nn.distributions import Categorical, DiagGaussian


def _mode(dist: Categorical | DiagGaussian) -> torch.Tensor:
    """The deterministic action of a Categorical / DiagGaussian (``mode()``)."""
    return dist.mode()


class ActorCriticActor(nn.Module):
    """The actor half of an actor-critic network: encoder, policy head, mode.

    Args:
        encoder: Observations to features.
        head: Features to an action distribution.
    """

    def __init__(self, encoder: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The mode of π(·|obs)."""
        return _mode(self.head(self.encoder(obs)))


class MaskedActorCriticActor(nn.Module):
    """An actor-critic's actor for a game with legal moves: reads ``[observation | action mask]`` and picks
    the most likely legal move (every move where the mask has none), as the masked policy does.

    Args:
        preprocess: The observation columns to what the encoder reads (an ``ObservationPreprocessor``).
        encoder: Observations to features.
        head: Features to a Categorical distribution.
        mask_dim: The trailing mask columns (one per move, 1: legal).
    """

    def __init__(self, preprocess: nn.Module, encoder: nn.Module, head: nn.Module, mask_dim: int) -> None:
        super().__init__()
        self.preprocess = preprocess
        self.encoder = encoder
        self.head = head
        self.mask_dim = mask_dim

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The most likely legal move per observation."""
        logits = self.head(self.encoder(self.preprocess(obs[..., : -self.mask_dim]))).logits
        legal = obs[..., -self.mask_dim :] > 0.5
        legal = legal | ~legal.any(dim=-1, keepdim=True)
        return logits.masked_fill(~legal, float("-inf")).argmax(dim=-1)


class GreedyQ(nn.Module):
    """argmax over a Q-network's values (the expected value of the atoms for a distributional one).

    Args:
        q_network: Observations to ``(B, A)`` Q-values, or ``(B, A, num_atoms)`` atom logits.
        support: The atoms' values of a distributional network, None for scalar Q-values.
        mask_dim: The observation's last columns are this many moves' legality (0: no mask).
    """

    def __init__(self, q_network: nn.Module, support: torch.Tensor | None, mask_dim: int = 0) -> None:
        super().__init__()
        self.q_network = q_network
        self.mask_dim = mask_dim
        self.distributional = support is not None
        self.register_buffer("support", torch.zeros(0) if support is None else support.detach().cpu().clone())

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The greedy action index per observation."""
        out = self.q_network(obs)
        if self.distributional:
            out = (out.softmax(dim=-1) * self.support).sum(dim=-1)
        if self.mask_dim:  # the observation ends with the legal moves: argmax over them alone
            legal = obs[..., -self.mask_dim :] > 0.5
            out = out.masked_fill(~(legal | ~legal.any(dim=-1, keepdim=True)), float("-inf"))
        return out.argmax(dim=-1)


class OffPolicyActor(nn.Module):
    """An off-policy actor's deterministic action in ``[-1, 1]``: its output (TD3) or its mode (SAC).

    Args:
        actor: Observations to actions, or to an action distribution.
    """

    def __init__(self, actor: nn.Module) -> None:
        super().__init__()
        self.actor = actor

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The actor's deterministic action."""
        out = self.actor(obs)
        return out if isinstance(out, torch.Tensor) else _mode(out)


class MemoryHead(nn.Module):
    """Deterministic action from memory features: ``mode`` of a policy head, or argmax of a Q head.

    Args:
        head: Memory features to an action distribution (``greedy`` False) or to Q-values (True).
        greedy: Take the argmax of Q-values instead of a distribution's mode.
    """

    def __init__(self, head: nn.Module, greedy: bool) -> None:
        super().__init__()
        self.head = head
        self.greedy = greedy

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """The deterministic action for ``(B, features)`` memory outputs."""
        out = self.head(features)
        return out.argmax(dim=-1) if self.greedy else _mode(out)
