"""Saying in one sentence why saved weights do not fit a network.

``torch.nn.Module.load_state_dict`` reports a mismatch as a multi-line list whose first line is only
``Error(s) in loading state_dict for ActorCritic:``. :func:`load_module_states` checks the saved tensors
against each network first and names the first tensor that does not fit, with both shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from rlkit.errors import RlkitError


def _shape(tensor: Any) -> str:
    shape = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else ()
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def describe_state_mismatch(name: str, module: nn.Module, state: Any) -> str | None:
    """What keeps ``state`` from loading into ``module`` (None: it fits), naming tensors as ``name.key``."""
    if not isinstance(state, Mapping):
        return f"'{name}' is not a set of saved tensors"
    expected = module.state_dict()
    for key, tensor in expected.items():
        if key not in state:
            return f"the checkpoint has no tensor '{name}.{key}' (shape {_shape(tensor)} here)"
        saved = state[key]
        if isinstance(saved, torch.Tensor) and saved.shape != tensor.shape:
            return (
                f"tensor '{name}.{key}' has shape {_shape(saved)} in the checkpoint and {_shape(tensor)} here"
            )
    extra = [key for key in state if key not in expected]
    if extra:
        return f"the checkpoint has a tensor '{name}.{extra[0]}' that this network does not"
    return None


def check_module_states(owner: str, modules: Mapping[str, tuple[nn.Module, Any]]) -> None:
    """Check that each saved state fits its network, loading nothing.

    Args:
        owner: What the networks belong to, for the message (``"PPO network"``).
        modules: Name -> (network, its saved state).

    Raises:
        RlkitError: ``checkpoint does not match this <owner>: <the first tensor that does not fit>``.
    """
    for name, (module, state) in modules.items():
        problem = describe_state_mismatch(name, module, state)
        if problem is not None:
            raise RlkitError(f"checkpoint does not match this {owner}: {problem}")


def load_module_states(owner: str, modules: Mapping[str, tuple[nn.Module, Any]]) -> None:
    """Load each ``(module, state)`` after checking that all of them fit (:func:`check_module_states`);
    nothing is loaded when one does not."""
    check_module_states(owner, modules)
    for module, state in modules.values():
        module.load_state_dict(state)
