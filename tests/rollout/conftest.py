"""Markers of the rollout tests."""

from __future__ import annotations

import logging

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ray_cluster: starts a two-node local Ray cluster (about 20 s); runs by default, "
        "leave it out with -m 'not slow and not ray_cluster'",
    )


@pytest.fixture(scope="module")
def local_ray():
    """A Ray instance of this process's own with two CPUs, for the module: ``address="local"``, as a plain
    ``ray.init()`` would join a cluster already running on the machine (``RAY_ADDRESS`` or ``ray start``)."""
    ray = pytest.importorskip("ray")
    if ray.is_initialized():  # another module's cluster would take the driver's connection
        ray.shutdown()
    ray.init(
        address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR
    )
    yield
    ray.shutdown()
