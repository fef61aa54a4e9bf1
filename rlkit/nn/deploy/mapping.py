"""The two ends of a deployable policy's graph: the env's observation in, the env's action out."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from rlkit.nn.normalization import ObservationNormalizer


class ObservationPreprocessor(nn.Module):
    """Cast to float32, then (optionally) standardize and clip with frozen statistics.

    The statistics are the first ``width`` entries of an :class:`ObservationNormalizer`'s (the ``policy``
    columns of a flat ``[policy | privileged]`` vector), computed as the normalizer does: std in float64, then
    both cast to float32, so the graph gives the very same numbers.

    Args:
        normalizer: The agent's normalizer (its statistics are copied), or None for a cast alone.
        width: Keep the first ``width`` statistics (None: all).
    """

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, normalizer: ObservationNormalizer | None, width: int | None) -> None:
        super().__init__()
        self.normalize = normalizer is not None
        self.clip = float(normalizer.clip) if normalizer is not None else 0.0
        mean = torch.zeros(0)
        std = torch.ones(0)
        if normalizer is not None:
            stats = normalizer.stats
            mean = stats.mean.detach().cpu().to(torch.float32)
            std = (stats.var.detach().cpu() + normalizer.epsilon).sqrt().to(torch.float32)
            if width is not None:
                mean, std = mean[..., :width], std[..., :width]
        self.register_buffer("mean", mean.clone())
        self.register_buffer("std", std.clone())

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Float32 observations, standardized and clipped when the agent normalized them."""
        obs = obs.to(torch.float32)
        if not self.normalize:
            return obs
        return ((obs - self.mean) / self.std).clamp(-self.clip, self.clip)


class EnvActionMapping(nn.Module):
    """The agent's :class:`rlkit.agents.actor_critic.ActionMapper` in the graph: argmax is done by the
    caller; Box actions are rescaled from ``[-1, 1]`` (tanh-squashed) or clipped to the bounds, then cast.

    Args:
        action_space: The env's Discrete or Box action space (agents check theirs: no other kind comes).
        squash: Box actions come tanh-squashed, in ``[-1, 1]`` (else they are clipped to the bounds).
    """

    low: torch.Tensor
    high: torch.Tensor

    def __init__(self, action_space: gym.Space[Any], squash: bool) -> None:
        super().__init__()
        self.discrete = isinstance(action_space, gym.spaces.Discrete)
        self.squash = squash
        low = torch.zeros(0)
        high = torch.zeros(0)
        self.dtype = torch.int64
        if isinstance(action_space, gym.spaces.Box):
            low = torch.as_tensor(action_space.low.astype(np.float32))
            high = torch.as_tensor(action_space.high.astype(np.float32))
            self.dtype = torch.from_numpy(np.zeros(0, dtype=action_space.dtype)).dtype
        self.register_buffer("low", low)
        self.register_buffer("high", high)

    def forward(self, actions: torch.Tensor) -> torch.Tensor:
        """Env actions for a batch of the policy's deterministic actions."""
        if self.discrete:
            return actions.to(torch.int64)
        if self.squash:
            actions = self.low + 0.5 * (actions + 1.0) * (self.high - self.low)
        else:
            actions = torch.maximum(torch.minimum(actions, self.high), self.low)
        return actions.to(self.dtype)
