"""Atomic file writes: a reader (or a run stopped half-way) sees the old file or the whole new one, never
half.

Every file rlkit writes into a run directory (checkpoints, ``metrics.csv``, ``eval.json``, videos, exports)
goes through here.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from rlkit.errors import RlkitError


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
