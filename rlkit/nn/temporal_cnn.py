"""A 1-D convolution over time of an observation history: the encoder of RMA's adaptation module."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from rlkit.nn.activations import activation_gain, make_activation
from rlkit.nn.init import orthogonal_init
from rlkit.nn.mlp import MLP


def convolved_length(length: int, kernel_sizes: Sequence[int], strides: Sequence[int]) -> int:
    """The time steps left of ``length`` after unpadded convolutions with these kernels and strides (0 or
    less: the convolutions do not fit)."""
    for kernel, stride in zip(kernel_sizes, strides, strict=True):
        if length < kernel:
            return 0
        length = (length - kernel) // stride + 1
    return length


class TemporalCNN(nn.Module):
    """Features of a history of ``history`` readings of ``channels`` values, given flat and oldest first (as
    ``env.sensors.history`` observes them): each reading embedded by one ``Linear`` and the activation, then
    unpadded 1-D convolutions over time (each followed by the activation), flattened, then an MLP.

    Kumar et al. (2021) estimate the environment's extrinsics so from 50 steps of state and action: embedding
    each step first lets the convolutions mix readings of different scales, and convolving over time
    shares the weights between lags, which a plain MLP over the whole history has to learn per lag.

    Attributes:
        output_dim: Size of the features: the last hidden size, else the flattened convolution output.

    Args:
        history: Readings in the history.
        channels: Values per reading.
        step_features: Features each reading is embedded into.
        conv_channels: Output channels of each convolution, in order.
        kernel_sizes: Kernel size of each convolution.
        strides: Stride of each convolution.
        hidden_sizes: Widths of the MLP after the convolutions (may be empty).
        activation: Activation after every layer (see :data:`rlkit.nn.activations.ActivationName`).

    Raises:
        ValueError: The convolutions leave no time step of ``history`` readings, or their lists differ in
            length.
    """

    output_dim: int

    def __init__(
        self,
        history: int,
        channels: int,
        step_features: int,
        conv_channels: Sequence[int],
        kernel_sizes: Sequence[int],
        strides: Sequence[int],
        hidden_sizes: Sequence[int] = (),
        activation: str = "elu",
    ) -> None:
        super().__init__()
        if not len(conv_channels) == len(kernel_sizes) == len(strides):
            raise ValueError("conv_channels, kernel_sizes and strides need one entry per convolution each")
        length = convolved_length(history, kernel_sizes, strides)
        if length < 1:
            raise ValueError(
                f"convolutions with kernel sizes {list(kernel_sizes)} and strides {list(strides)} do not fit "
                f"a history of {history} readings; lengthen the history or shrink the kernels"
            )
        gain = activation_gain(activation)
        self.history = history
        self.channels = channels
        self.embed = nn.Sequential(
            orthogonal_init(nn.Linear(channels, step_features), gain=gain), make_activation(activation)
        )
        layers: list[nn.Module] = []
        width = step_features
        for out, kernel, stride in zip(conv_channels, kernel_sizes, strides, strict=True):
            convolution = orthogonal_init(nn.Conv1d(width, out, kernel, stride), gain=gain)
            layers += [convolution, make_activation(activation)]
            width = out
        self.convolutions = nn.Sequential(*layers)
        self.mlp = MLP(width * length, hidden_sizes, activation=activation)
        self.output_dim = self.mlp.output_dim

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Features ``(B, output_dim)`` of flat histories ``(B, history × channels)``."""
        readings = self.embed(obs.reshape(-1, self.history, self.channels))
        # Conv1d convolves the last axis: time goes last, the embedded features become its channels
        features = self.convolutions(readings.transpose(1, 2))
        return self.mlp(features.flatten(1))
