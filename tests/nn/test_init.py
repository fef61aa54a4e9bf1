"""Tests for rlkit.nn.init."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from rlkit.nn.init import orthogonal_init, recurrent_init


@pytest.mark.parametrize("gain", [1.0, math.sqrt(2.0), 0.01])
def test_square_linear_is_scaled_orthogonal(gain: float) -> None:
    layer = orthogonal_init(nn.Linear(32, 32), gain=gain, bias=0.25)
    weight = layer.weight.detach().double()
    torch.testing.assert_close(
        weight @ weight.T, gain**2 * torch.eye(32, dtype=torch.float64), atol=1e-5, rtol=0
    )
    assert torch.all(layer.bias == 0.25)


@pytest.mark.parametrize(("in_features", "out_features"), [(64, 4), (4, 64)])
def test_rectangular_linear_has_orthonormal_rows_or_columns(
    in_features: int, out_features: int, assert_orthogonal
) -> None:
    layer = orthogonal_init(nn.Linear(in_features, out_features), gain=2.0)
    assert_orthogonal(layer.weight, 2.0)
    assert torch.all(layer.bias == 0.0)


def test_conv_kernel_is_orthogonal_when_flattened(assert_orthogonal) -> None:
    conv = orthogonal_init(nn.Conv2d(3, 16, kernel_size=3), gain=1.5, bias=-1.0)
    assert_orthogonal(conv.weight, 1.5)  # (16, 27): rows orthonormal
    assert torch.all(conv.bias == -1.0)


def test_returns_the_same_module_for_chaining() -> None:
    layer = nn.Linear(3, 3)
    assert orthogonal_init(layer) is layer


def test_layer_without_bias_is_supported(assert_orthogonal) -> None:
    layer = orthogonal_init(nn.Linear(8, 8, bias=False), gain=1.0)
    assert layer.bias is None
    assert_orthogonal(layer.weight, 1.0)


def test_container_initialises_every_layer(assert_orthogonal) -> None:
    net = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Conv1d(2, 4, 3))
    orthogonal_init(net, gain=3.0, bias=0.5)
    assert_orthogonal(net[0].weight, 3.0)
    assert_orthogonal(net[2].weight, 3.0)
    assert torch.all(net[0].bias == 0.5) and torch.all(net[2].bias == 0.5)


def test_module_without_weights_raises_type_error() -> None:
    with pytest.raises(TypeError, match="ReLU"):
        orthogonal_init(nn.ReLU())
    with pytest.raises(TypeError, match="recurrent_init"):
        orthogonal_init(nn.LSTM(4, 4))


@pytest.mark.parametrize(("rnn_type", "gates"), [(nn.LSTM, 4), (nn.GRU, 3), (nn.GRUCell, 3)])
def test_recurrent_init_orthogonal_gate_blocks_and_zero_biases(
    rnn_type, gates: int, assert_orthogonal
) -> None:
    hidden = 16
    rnn = recurrent_init(rnn_type(8, hidden), hidden_gain=1.0, input_gain=0.5)
    params = dict(rnn.named_parameters())
    hh_name = next(name for name in params if name.startswith("weight_hh"))
    ih_name = next(name for name in params if name.startswith("weight_ih"))
    assert params[hh_name].shape[0] == gates * hidden
    for block in params[hh_name].split(hidden):
        assert_orthogonal(block, 1.0)  # square (H, H) blocks
    for block in params[ih_name].split(hidden):
        assert_orthogonal(block, 0.5)  # (H, 8) blocks: columns orthonormal
    for name, param in params.items():
        if name.startswith("bias"):
            assert torch.all(param == 0.0), name


def test_recurrent_init_rejects_non_recurrent_modules() -> None:
    with pytest.raises(TypeError, match="Linear"):
        recurrent_init(nn.Linear(2, 2))
