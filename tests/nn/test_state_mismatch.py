"""A checkpoint that does not fit a network is named in one sentence: which tensor, which shapes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rlkit.errors import RlkitError
from rlkit.nn.state_mismatch import describe_state_mismatch, load_module_states


def net(width: int) -> nn.Module:
    return nn.Sequential(nn.Linear(3, width), nn.Tanh(), nn.Linear(width, 1))


def test_a_fitting_state_loads_and_says_nothing() -> None:
    source, target = net(4), net(4)
    load_module_states("test network", {"q": (target, source.state_dict())})
    assert describe_state_mismatch("q", target, source.state_dict()) is None
    torch.testing.assert_close(target[0].weight, source[0].weight)


def test_shape_missing_and_extra_tensors_are_named() -> None:
    state = net(8).state_dict()
    assert describe_state_mismatch("q", net(4), state) == (
        "tensor 'q.0.weight' has shape (8, 3) in the checkpoint and (4, 3) here"
    )
    del state["2.bias"]
    assert (
        describe_state_mismatch("q", net(8), state)
        == "the checkpoint has no tensor 'q.2.bias' (shape (1,) here)"
    )
    state = {**net(8).state_dict(), "3.weight": torch.zeros(1)}
    assert (
        describe_state_mismatch("q", net(8), state)
        == "the checkpoint has a tensor 'q.3.weight' that this network does not"
    )


def test_nothing_is_loaded_when_one_network_does_not_fit() -> None:
    a, b = net(4), net(4)
    before = a[0].weight.detach().clone()
    with pytest.raises(
        RlkitError, match=r"^checkpoint does not match this test network: tensor 'b\.0\.weight'"
    ):
        load_module_states("test network", {"a": (a, net(4).state_dict()), "b": (b, net(5).state_dict())})
    torch.testing.assert_close(a[0].weight, before)
