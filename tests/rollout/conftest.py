"""Markers of the rollout tests."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ray_cluster: starts a two-node local Ray cluster (about 20 s); runs by default, "
        "leave it out with -m 'not slow and not ray_cluster'",
    )
