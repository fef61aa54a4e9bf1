"""Shared fixtures for the rlkit.nn tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch


def _assert_orthogonal(weight: torch.Tensor, gain: float) -> None:
    """Check that ``weight`` (flattened to 2-D) is ``gain`` times a matrix with orthonormal rows/columns."""
    matrix = weight.detach().reshape(weight.shape[0], -1).double()
    rows, cols = matrix.shape
    gram = matrix @ matrix.T if rows <= cols else matrix.T @ matrix
    expected = gain**2 * torch.eye(min(rows, cols), dtype=torch.float64)
    torch.testing.assert_close(gram, expected, atol=1e-5 * max(gain**2, 1.0), rtol=0.0)


@pytest.fixture
def assert_orthogonal() -> Callable[[torch.Tensor, float], None]:
    """``assert_orthogonal(weight, gain)``: W Wᵀ ≈ gain² I (or Wᵀ W for tall matrices)."""
    return _assert_orthogonal


@pytest.fixture(autouse=True)
def _seed() -> None:
    # Fixed seed so every test sees the same random weights and inputs, whatever order tests run in.
    torch.manual_seed(0)
