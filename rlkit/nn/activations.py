"""Activation functions by name, and the orthogonal-init gain that goes with each.

Configs name activations as strings; this module is the single place that turns such a name into a module
and into the gain that keeps activations at unit scale when layers are orthogonally initialised.
"""

from __future__ import annotations

import math
from typing import Literal, get_args

from torch import nn

ActivationName = Literal["relu", "tanh", "elu", "gelu", "silu"]
"""The activation names accepted by :func:`make_activation` and :func:`activation_gain`."""

ACTIVATION_NAMES: tuple[str, ...] = get_args(ActivationName)

_ACTIVATION_TYPES: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
}


def _check_name(name: str) -> None:
    if name not in _ACTIVATION_TYPES:
        raise ValueError(f"unknown activation {name!r}; valid activations are: {', '.join(ACTIVATION_NAMES)}")


def make_activation(name: str) -> nn.Module:
    """Create a fresh activation module from its name.

    Args:
        name: One of ``"relu"``, ``"tanh"``, ``"elu"``, ``"gelu"``, ``"silu"``.

    Returns:
        A new, stateless activation module.

    Raises:
        ValueError: If ``name`` is not a known activation; the message lists the valid names.
    """
    _check_name(name)
    return _ACTIVATION_TYPES[name]()


def activation_gain(name: str) -> float:
    """The gain to pass to orthogonal init for a layer followed by this activation.

    ``relu`` and ``tanh`` use :func:`torch.nn.init.calculate_gain` (``sqrt(2)`` and ``5/3``). PyTorch has no
    recommended gain for ``elu``, ``gelu`` or ``silu``; they behave like ReLU for positive inputs and
    shrink negative ones, so ``sqrt(2)`` is used for them too.

    Args:
        name: One of ``"relu"``, ``"tanh"``, ``"elu"``, ``"gelu"``, ``"silu"``.

    Returns:
        The gain as a float.

    Raises:
        ValueError: If ``name`` is not a known activation; the message lists the valid names.
    """
    _check_name(name)
    if name == "relu":
        return float(nn.init.calculate_gain("relu"))
    if name == "tanh":
        return float(nn.init.calculate_gain("tanh"))
    return math.sqrt(2.0)
