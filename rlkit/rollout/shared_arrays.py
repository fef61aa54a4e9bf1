"""Named NumPy arrays in one shared-memory block, for exchanging rollout data between processes."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing import shared_memory

import numpy as np
import numpy.typing as npt

#: Arrays start on cache-line boundaries: two processes writing neighbouring arrays never share a line.
_ALIGNMENT = 64


@dataclass(frozen=True)
class ArraySpec:
    """Where one array lies in the block."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    offset: int


class SharedArrays:
    """NumPy views on one :class:`multiprocessing.shared_memory.SharedMemory` block.

    The owner creates the block from ``(name, shape, dtype)`` triples and unlinks it in :meth:`close`; other
    processes attach by :attr:`name` and :attr:`specs` (both picklable). One block, not one per array, keeps
    the number of ``/dev/shm`` entries (and of files to clean up after a crash) at one per vector env.

    Args:
        specs: The arrays' layout (from :meth:`layout`).
        name: The block to attach to; None creates a new block (this object then owns it).
    """

    def __init__(self, specs: tuple[ArraySpec, ...], name: str | None = None) -> None:
        self.specs = specs
        self.owner = name is None
        size = max((_end(spec) for spec in specs), default=1)
        if name is None:
            self._memory = shared_memory.SharedMemory(create=True, size=max(size, 1))
        else:
            self._memory = shared_memory.SharedMemory(name=name)
        self.name = self._memory.name
        self.arrays: dict[str, np.ndarray] = {
            spec.name: np.ndarray(spec.shape, np.dtype(spec.dtype), self._memory.buf, spec.offset)
            for spec in specs
        }

    @staticmethod
    def layout(arrays: Sequence[tuple[str, tuple[int, ...], npt.DTypeLike]]) -> tuple[ArraySpec, ...]:
        """Place ``(name, shape, dtype)`` arrays one after another, each aligned."""
        specs, offset = [], 0
        for name, shape, dtype in arrays:
            specs.append(ArraySpec(name, tuple(int(n) for n in shape), np.dtype(dtype).str, offset))
            offset = -(-_end(specs[-1]) // _ALIGNMENT) * _ALIGNMENT
        return tuple(specs)

    def close(self) -> None:
        """Drop the views and unmap the block; the owner also unlinks it (frees its ``/dev/shm`` entry)."""
        self.arrays = {}
        with contextlib.suppress(BufferError):  # a view is still referenced: the mapping goes with it
            self._memory.close()
        if self.owner:
            with contextlib.suppress(FileNotFoundError):
                self._memory.unlink()
            self.owner = False


def _end(spec: ArraySpec) -> int:
    return spec.offset + int(np.prod(spec.shape, dtype=np.int64)) * np.dtype(spec.dtype).itemsize
