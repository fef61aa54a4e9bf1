"""The adaptation module of Rapid Motor Adaptation (Kumar et al., 2021): the privileged parameters a policy
was trained to read (the sampled physics), estimated from the robot's own recent observations."""

from __future__ import annotations

import torch
from torch import nn

from rlkit.nn.init import orthogonal_init
from rlkit.nn.mlp import MLP
from rlkit.nn.normalization import ObservationNormalizer, RunningMeanStd
from rlkit.nn.temporal_cnn import TemporalCNN


class ParameterEstimator(nn.Module):
    """``count`` parameters estimated from a flat observation history ``(B, input_dim)``.

    Both ends are standardized with running statistics kept as buffers, so that a checkpoint and an exported
    policy carry them: the history as an agent standardizes its observations, and the parameters, so that
    the network learns standardized parameters, each counting alike in a squared error whatever its unit and
    range (a trunk's mass in kilograms beside a friction factor near 1). :meth:`forward` gives the estimate
    back in the parameters' own units, as the policy that reads it was trained on them.

    The head starts with small weights: an untrained estimator guesses about the parameters' mean.

    Args:
        encoder: Standardized histories to features: an MLP over the whole history, or a convolution over
            its readings.
        input_dim: Values in one history.
        count: Parameters estimated.
        clip: Standardized histories are clipped to ``[-clip, clip]``.
    """

    def __init__(self, encoder: MLP | TemporalCNN, input_dim: int, count: int, clip: float = 10.0) -> None:
        super().__init__()
        self.history_normalizer = ObservationNormalizer((input_dim,), clip)
        self.encoder = encoder
        self.head = orthogonal_init(nn.Linear(encoder.output_dim, count), gain=0.01)
        self.targets = RunningMeanStd((count,))
        self.epsilon = 1e-8

    @torch.no_grad()
    def observe(self, obs: torch.Tensor, parameters: torch.Tensor) -> None:
        """Update the running statistics with raw histories ``(B, input_dim)`` and their true parameters
        ``(B, count)``."""
        self.history_normalizer.stats.update(obs)
        self.targets.update(parameters)

    def _scale(self, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The parameters' mean and std in ``like``'s dtype, the std computed in float64 first (as
        :class:`ObservationNormalizer` does), so an exported graph gives the very same numbers."""
        mean = self.targets.mean.to(like.dtype)
        std = (self.targets.var + self.epsilon).sqrt().to(like.dtype)
        return mean, std

    def standardized(self, obs: torch.Tensor) -> torch.Tensor:
        """The standardized estimate ``(B, count)`` from raw histories: what a regression fits."""
        return self.head(self.encoder(self.history_normalizer(obs)))

    def standardize(self, parameters: torch.Tensor) -> torch.Tensor:
        """True parameters ``(B, count)`` in the estimate's standardized units."""
        mean, std = self._scale(parameters)
        return (parameters - mean) / std

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The estimated parameters ``(B, count)``, in their own units, from raw histories."""
        mean, std = self._scale(obs)
        return self.standardized(obs) * std + mean
