"""The multi-layer perceptron used as the torso of every vector-observation policy and value net."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from rlkit.nn.activations import activation_gain, make_activation
from rlkit.nn.init import orthogonal_init


class MLP(nn.Module):
    """A stack of fully connected layers: ``Linear -> (LayerNorm) -> activation`` per hidden layer.

    An optional final ``Linear`` to ``output_dim`` has no activation, so the MLP can end in raw logits or
    values. Hidden layers are orthogonally initialised with the activation's gain
    (:func:`rlkit.nn.activations.activation_gain`), the output layer with ``output_gain``; all biases start
    at zero. With no hidden layers and no ``output_dim`` the MLP is the identity.

    The input may have any number of leading batch dimensions: ``(..., input_dim) -> (..., output_dim)``.

    Attributes:
        input_dim: Size of the last input dimension.
        output_dim: Size of the last output dimension: ``output_dim`` if given, else the last hidden size,
            else ``input_dim``.
        net: The layers, in order.

    Example:
        >>> mlp = MLP(4, (64, 64), activation="tanh", output_dim=2, output_gain=0.01)
        >>> mlp(torch.zeros(8, 4)).shape
        torch.Size([8, 2])
    """

    input_dim: int
    output_dim: int

    def __init__(
        self,
        input_dim: int,
        hidden_sizes: Sequence[int],
        activation: str = "tanh",
        layer_norm: bool = False,
        output_dim: int | None = None,
        output_gain: float = 1.0,
    ) -> None:
        """Build the layers.

        Args:
            input_dim: Size of the input features.
            hidden_sizes: Width of each hidden layer, in order; may be empty.
            activation: Activation after each hidden layer (see :data:`rlkit.nn.activations.ActivationName`).
            layer_norm: Whether to put a LayerNorm between each hidden Linear and its activation.
            output_dim: If given, a final Linear to this size with no activation.
            output_gain: Orthogonal-init gain of the final Linear (e.g. 0.01 for policy logits).

        Raises:
            ValueError: If a size is not positive or ``activation`` is unknown.
        """
        super().__init__()
        sizes = list(hidden_sizes)
        if input_dim <= 0:
            raise ValueError(f"MLP input_dim must be positive, got {input_dim}")
        if any(size <= 0 for size in sizes):
            raise ValueError(f"MLP hidden_sizes must all be positive, got {sizes}")
        if output_dim is not None and output_dim <= 0:
            raise ValueError(f"MLP output_dim must be positive or None, got {output_dim}")
        # Validates the activation name even when there are no hidden layers to use it on.
        hidden_gain = activation_gain(activation)

        layers: list[nn.Module] = []
        width = input_dim
        for size in sizes:
            layers.append(orthogonal_init(nn.Linear(width, size), gain=hidden_gain))
            if layer_norm:
                layers.append(nn.LayerNorm(size))
            layers.append(make_activation(activation))
            width = size
        if output_dim is not None:
            layers.append(orthogonal_init(nn.Linear(width, output_dim), gain=output_gain))
            width = output_dim

        self.net = nn.Sequential(*layers)
        self.input_dim = input_dim
        self.output_dim = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layers.

        Args:
            x: Features of shape ``(..., input_dim)``.

        Returns:
            Tensor of shape ``(..., output_dim)``.
        """
        return self.net(x)
