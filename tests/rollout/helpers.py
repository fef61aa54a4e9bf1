"""Helpers shared by the rollout backends' tests."""

from __future__ import annotations

import time
from typing import Any

import numpy as np


def kill(worker: Any) -> None:
    """Kill a Ray worker actor and wait until Ray knows it is dead, so that the next call finds it lost (a
    call issued right after ``ray.kill`` can still reach the dying actor)."""
    import ray

    ray.kill(worker, no_restart=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            ray.get(worker.node_id.remote(), timeout=5)
        except ray.exceptions.RayActorError:
            return
        time.sleep(0.05)
    raise AssertionError("the killed worker still answers")


def assert_same(a: Any, b: Any, where: str = "") -> None:
    """Equal to the bit, with the same dtypes: arrays (also of objects), dicts, tuples, scalars; arrays in
    the same memory order too (torch computes on a column-major batch in another order, so a policy's outputs
    would differ in the last bit)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: {list(a)} != {list(b)}"
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, tuple | list):
        assert type(a) is type(b) and len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{index}]")
    elif isinstance(a, np.ndarray) and a.dtype == object:
        assert isinstance(b, np.ndarray) and b.dtype == object and a.shape == b.shape, where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{index}]")
    elif isinstance(a, np.ndarray | np.generic):
        assert np.asarray(a).dtype == np.asarray(b).dtype, f"{where}: {np.asarray(a).dtype} != {b}"
        assert np.array_equal(a, b), f"{where}: {a} != {b}"
        layout = (np.asarray(a).flags.c_contiguous, np.asarray(b).flags.c_contiguous)
        assert layout[0] == layout[1], f"{where}: C-contiguous {layout[0]} != {layout[1]}"
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} != {b!r}"
