"""Checkpoints: atomic writes, a ``latest`` pointer, and loading without pickle.

A checkpoint is a dict of tensors and plain Python values (``torch.load(weights_only=True)`` refuses
anything else): the resolved config, the agent's full state, and where training stood. It alone is enough to
rebuild the agent and evaluate, render or export its policy.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import torch

from rlkit.errors import RlkitError
from rlkit.training.model_files import resolve_run_config
from rlkit.training.stop_signals import deferred

FORMAT = "rlkit-checkpoint"
VERSION = 1
LATEST = "latest"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Permissions of a file created normally here (0o666 less the umask): mkstemp's temp files are 0o600.
FILE_MODE = 0o666 & ~_umask()


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Report a failed write (a full disk, a read-only file system) as one line naming ``path``."""
    try:
        yield
    except OSError as exc:
        raise RlkitError(f"cannot write '{path}': {exc.strerror or exc}") from None


def publish(tmp: str | Path, path: Path) -> None:
    """Give a finished temp file the permissions of a normally created file and rename it to ``path``."""
    os.chmod(tmp, FILE_MODE)
    os.replace(tmp, path)


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Create ``path`` with ``write(handle)`` through a temp file in the same directory, flushed to disk,
    then renamed over ``path``: readers see the old file or the whole new one, never half of it."""
    with _writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            publish(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`atomic_write`)."""
    atomic_write(path, lambda handle: handle.write(data))


def atomic_write_text(path: Path, text: str) -> None:
    """:func:`atomic_write_bytes` for text (UTF-8)."""
    atomic_write_bytes(path, text.encode())


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
    """The checkpoint file for a run directory, a checkpoints directory, or a checkpoint file."""
    path = Path(path)
    if path.is_dir():
        directory = path / "checkpoints" if (path / "checkpoints").is_dir() else path
        pointer = directory / LATEST
        if not pointer.is_file():
            raise RlkitError(f"'{path}' has no checkpoints (expected {pointer})")
        path = directory / pointer.read_text().strip()
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
