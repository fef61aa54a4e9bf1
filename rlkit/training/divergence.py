"""Stopping a run that diverged: a NaN or infinite loss or weight ends it before it is logged or saved."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from rlkit.errors import RlkitError
from rlkit.runs.checkpoint import LATEST

#: What the messages suggest: the usual causes are too large steps.
_ADVICE = "(try a lower agent.lr or agent.max_grad_norm)"


class DivergenceError(RlkitError):
    """A loss or the agent's weights became NaN or infinite; the run stops and keeps its last good
    checkpoint (``rlkit train`` exits with status 2, like other errors)."""


def first_non_finite_tensor(state: Any, prefix: str = "") -> str | None:
    """The key path of the first floating-point tensor in a nested state dict with a NaN or infinite value.

    One host sync for the whole state (the per-tensor flags are stacked), so cheap at checkpoint time.
    """
    found: list[tuple[str, torch.Tensor]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, torch.Tensor):
            if value.is_floating_point() and value.numel():
                found.append((path, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")

    walk(state, prefix)
    if not found:
        return None
    by_device: dict[torch.device, list[int]] = {}
    for i, (_, tensor) in enumerate(found):
        by_device.setdefault(tensor.device, []).append(i)
    finite = torch.ones(len(found), dtype=torch.bool)
    for indices in by_device.values():
        finite[indices] = torch.stack([torch.isfinite(found[i][1]).all() for i in indices]).cpu()
    if bool(finite.all()):
        return None
    return found[int((~finite).nonzero()[0])][0]


def check_losses(metrics: Mapping[str, Any], steps: int, checkpoint_dir: Path) -> None:
    """Stop at the first update whose loss is NaN or infinite, before it is logged or checkpointed.

    Raises:
        DivergenceError: A ``loss/...`` metric is NaN or infinite.
    """
    for key, value in metrics.items():
        if key.startswith("loss/") and not math.isfinite(value):
            raise DivergenceError(
                f"training diverged at env step {steps:,}: {key} is {value}; stopped without saving, "
                f"{last_good_checkpoint(checkpoint_dir)} {_ADVICE}"
            )


def check_agent_state(agent_state: Mapping[str, Any], steps: int, checkpoint_dir: Path) -> None:
    """Refuse to checkpoint an agent whose state holds NaN or infinite values.

    Raises:
        DivergenceError: Some floating-point tensor of ``agent_state`` is not finite; nothing should be
            written, so that the checkpoints already there (and ``latest``) stay the last good ones.
    """
    bad = first_non_finite_tensor(agent_state)
    if bad is not None:
        raise DivergenceError(
            f"training diverged at env step {steps:,}: the agent's '{bad}' holds NaN or infinite values; "
            f"{last_good_checkpoint(checkpoint_dir)} {_ADVICE}"
        )


def last_good_checkpoint(checkpoint_dir: Path) -> str:
    """Where the run can be taken up again, for a divergence message."""
    latest = checkpoint_dir / LATEST
    if not latest.is_file():
        return "no checkpoint was written before"
    return f"the last good checkpoint is {checkpoint_dir / latest.read_text().strip()} (latest)"
