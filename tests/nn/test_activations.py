"""Tests for rlkit.nn.activations."""

from __future__ import annotations

import math
from typing import get_args

import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from rlkit.nn.activations import ACTIVATION_NAMES, ActivationName, activation_gain, make_activation

INPUT = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0])


@pytest.mark.parametrize(
    ("name", "module_type", "reference"),
    [
        ("relu", nn.ReLU, F.relu),
        ("tanh", nn.Tanh, torch.tanh),
        ("elu", nn.ELU, F.elu),
        ("gelu", nn.GELU, F.gelu),
        ("silu", nn.SiLU, F.silu),
    ],
)
def test_make_activation_builds_the_named_function(
    name: str, module_type: type[nn.Module], reference
) -> None:
    activation = make_activation(name)
    assert isinstance(activation, module_type)
    torch.testing.assert_close(activation(INPUT), reference(INPUT))


def test_make_activation_returns_fresh_modules() -> None:
    assert make_activation("tanh") is not make_activation("tanh")


def test_literal_and_runtime_names_agree() -> None:
    assert set(get_args(ActivationName)) == set(ACTIVATION_NAMES) == {"relu", "tanh", "elu", "gelu", "silu"}


@pytest.mark.parametrize("bad_name", ["Relu", "sigmoid", ""])
def test_unknown_name_raises_value_error_listing_valid_names(bad_name: str) -> None:
    with pytest.raises(ValueError, match="unknown activation") as excinfo:
        make_activation(bad_name)
    for valid in ACTIVATION_NAMES:
        assert valid in str(excinfo.value)
    with pytest.raises(ValueError, match="relu, tanh, elu, gelu, silu"):
        activation_gain(bad_name)


@pytest.mark.parametrize(
    ("name", "gain"),
    [
        ("relu", math.sqrt(2.0)),
        ("tanh", 5.0 / 3.0),
        ("elu", math.sqrt(2.0)),
        ("gelu", math.sqrt(2.0)),
        ("silu", math.sqrt(2.0)),
    ],
)
def test_activation_gain_values(name: str, gain: float) -> None:
    assert activation_gain(name) == pytest.approx(gain, rel=1e-12)
    assert isinstance(activation_gain(name), float)
