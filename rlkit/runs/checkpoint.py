"""Checkpoints: written atomically, a ``latest`` pointer, and loading without pickle.

A checkpoint is a dict of tensors and plain Python values (``torch.load(weights_only=True)`` refuses
anything else): the resolved config, the agent's full state, and where training stood. It alone is enough to
rebuild the agent and evaluate, render or export its policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from rlkit.errors import RlkitError
from rlkit.files import atomic_write, atomic_write_text
from rlkit.runs.model_files import resolve_run_config
from rlkit.runs.stop_signals import deferred

FORMAT = "rlkit-checkpoint"
VERSION = 1
LATEST = "latest"


def save_checkpoint(directory: Path, name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` as ``directory/name`` atomically and point ``directory/latest`` at it."""
    path = directory / name
    # Through a Python file object, so that a full disk raises OSError (torch's own writer raises a
    # RuntimeError that does not say why).
    with deferred():  # a stop signal waits until the checkpoint and its pointer are whole
        stamped = {"format": FORMAT, "version": VERSION, **payload}
        atomic_write(path, lambda handle: torch.save(stamped, handle))
        atomic_write_text(directory / LATEST, name + "\n")
    return path


def resolve_checkpoint(path: str | Path) -> Path:
    """The checkpoint file for a run directory, a checkpoints directory, its ``latest`` pointer, or a
    checkpoint file."""
    path = Path(path)
    if path.is_dir():
        directory = path / "checkpoints" if (path / "checkpoints").is_dir() else path
        pointer = directory / LATEST
        if not pointer.is_file():
            raise RlkitError(f"'{path}' has no checkpoints (expected {pointer})")
        path = directory / pointer.read_text().strip()
    elif path.name == LATEST and path.is_file():  # the pointer itself: the checkpoint it names
        path = path.parent / path.read_text().strip()
    if not path.is_file():
        raise RlkitError(f"checkpoint '{path}' does not exist")
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a checkpoint with pickle disabled, checking that it is an rlkit checkpoint."""
    path = resolve_checkpoint(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for truncated, foreign or unsafe files
        # torch's own text runs to many lines and is cut anywhere: say what it means in one sentence.
        if "weights_only" in str(exc) or "Weights only load failed" in str(exc):
            reason = "it holds Python objects that only pickle could load, and rlkit loads without pickle"
        else:
            reason = "the file is truncated or damaged, or is not a torch file at all"
        raise RlkitError(f"checkpoint '{path}' is corrupt or not an rlkit checkpoint: {reason}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise RlkitError(f"checkpoint '{path}' is not an rlkit checkpoint")
    if payload.get("version") != VERSION:
        raise RlkitError(
            f"checkpoint '{path}' has format version {payload.get('version')}; this rlkit reads {VERSION}"
        )
    payload["path"] = str(path)
    if isinstance(payload.get("config"), dict):  # a run's own model copy, wherever the run now is
        payload["config"] = resolve_run_config(payload["config"], run_dir_of(path))
    return payload


def run_dir_of(checkpoint: Path) -> Path:
    """The run directory a checkpoint belongs to (its ``checkpoints/`` parent), else its own folder."""
    return checkpoint.parent.parent if checkpoint.parent.name == "checkpoints" else checkpoint.parent


def prune_checkpoints(directory: Path, keep: int, prefix: str = "step_") -> None:
    """Delete all but the newest ``keep`` periodic checkpoints (files named ``{prefix}<steps>.pt``)."""
    periodic = sorted(directory.glob(f"{prefix}*.pt"), key=lambda p: int(p.stem[len(prefix) :]))
    for old in periodic[:-keep]:
        old.unlink(missing_ok=True)


def load_agent_state(agent: Any, payload: dict[str, Any], env_id: str, agent_name: str) -> None:
    """Load a checkpoint's agent state into ``agent`` (built for ``agent_name`` on ``env_id``); a checkpoint
    that does not fit is reported in one sentence naming where it is from and which tensor differs.

    Raises:
        RlkitError: The networks differ (another env, agent or network size).
    """
    try:
        agent.load_state_dict(payload["agent"])
    except RlkitError as exc:
        trained = payload.get("config", {})
        origin = f"{trained.get('agent', {}).get('name', '?')} on {trained.get('env', {}).get('id', '?')}"
        reason = str(exc)
        if reason.startswith("checkpoint does not match this") and ": " in reason:
            reason = reason.split(": ", 1)[1]
        where = payload.get("path", "the checkpoint")
        raise RlkitError(
            f"checkpoint '{where}' ({origin}) does not fit {agent_name} on {env_id}: {reason}"
        ) from None
