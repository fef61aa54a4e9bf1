"""Helpers shared by the Ray tests."""

from __future__ import annotations

import time
from typing import Any

import ray


def kill(worker: Any) -> None:
    """Kill a worker actor and wait until Ray knows it is dead, so that the next call finds it lost (a call
    issued right after ``ray.kill`` can still reach the dying actor)."""
    ray.kill(worker, no_restart=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            ray.get(worker.node_id.remote(), timeout=5)
        except ray.exceptions.RayActorError:
            return
        time.sleep(0.05)
    raise AssertionError("the killed worker still answers")
