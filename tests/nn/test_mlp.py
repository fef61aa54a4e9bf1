"""Tests for rlkit.nn.mlp."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rlkit.nn.activations import activation_gain
from rlkit.nn.mlp import MLP


def _linears(mlp: MLP) -> list[nn.Linear]:
    return [m for m in mlp.net if isinstance(m, nn.Linear)]


@pytest.mark.parametrize(
    ("hidden_sizes", "output_dim", "expected_dim"),
    [((64, 64), None, 64), ((64, 32), 2, 2), ((), 5, 5), ((), None, 4), ((16,), None, 16)],
)
def test_output_dim_and_shape(
    hidden_sizes: tuple[int, ...], output_dim: int | None, expected_dim: int
) -> None:
    mlp = MLP(4, hidden_sizes, output_dim=output_dim)
    assert mlp.output_dim == expected_dim
    assert mlp.input_dim == 4
    assert mlp(torch.randn(7, 4)).shape == (7, expected_dim)


def test_leading_dims_are_preserved() -> None:
    mlp = MLP(4, (8,), output_dim=3)
    x = torch.randn(5, 6, 4)
    out = mlp(x)
    assert out.shape == (5, 6, 3)
    torch.testing.assert_close(out.reshape(30, 3), mlp(x.reshape(30, 4)))


def test_empty_mlp_is_identity() -> None:
    mlp = MLP(6, ())
    x = torch.randn(3, 6)
    assert torch.equal(mlp(x), x)
    assert len(list(mlp.parameters())) == 0


def test_layer_order_with_layer_norm() -> None:
    mlp = MLP(4, (8, 8), activation="relu", layer_norm=True, output_dim=2)
    kinds = [type(m) for m in mlp.net]
    assert kinds == [nn.Linear, nn.LayerNorm, nn.ReLU, nn.Linear, nn.LayerNorm, nn.ReLU, nn.Linear]


def test_output_has_no_activation() -> None:
    mlp = MLP(4, (8,), activation="relu", output_dim=3, output_gain=10.0)
    out = mlp(torch.randn(256, 4))
    # A ReLU or tanh at the end would make every output non-negative or bounded by 1.
    assert (out < 0).any() and out.abs().max() > 1.0


def test_hidden_output_is_activated() -> None:
    assert (MLP(4, (8,), activation="relu")(torch.randn(64, 4)) >= 0).all()
    assert MLP(4, (8,), activation="tanh")(100 * torch.randn(64, 4)).abs().max() <= 1.0


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_orthogonal_init_with_activation_gain(activation: str, assert_orthogonal) -> None:
    mlp = MLP(32, (32, 32), activation=activation, output_dim=2, output_gain=0.01)
    hidden_a, hidden_b, output = _linears(mlp)
    gain = activation_gain(activation)
    assert_orthogonal(hidden_a.weight, gain)
    assert_orthogonal(hidden_b.weight, gain)
    assert_orthogonal(output.weight, 0.01)
    for layer in (hidden_a, hidden_b, output):
        assert torch.all(layer.bias == 0.0)


def test_gradients_reach_every_parameter() -> None:
    mlp = MLP(4, (8, 8), layer_norm=True, output_dim=2)
    mlp(torch.randn(16, 4)).square().sum().backward()
    for name, param in mlp.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_invalid_arguments_raise_value_error() -> None:
    with pytest.raises(ValueError, match="unknown activation"):
        MLP(4, (), activation="sigmoid")
    with pytest.raises(ValueError, match="hidden_sizes"):
        MLP(4, (8, 0))
    with pytest.raises(ValueError, match="input_dim"):
        MLP(0, (8,))
    with pytest.raises(ValueError, match="output_dim"):
        MLP(4, (8,), output_dim=0)
