"""A wrapper's own random number stream, re-seeded from the seed passed to ``reset``.

Every sim2real effect draws from its own stream so that switching one effect on or off does not change the
random numbers another effect sees, and a run with the same seed is reproducible. The stream of an effect is
named by the effect and seeded by rlkit's one rule (:mod:`rlkit.seeding`): two effects seeded with the same
env seed still draw independent numbers.

An effect that draws at every step draws through a :class:`RowBlock`: one NumPy call fills many steps' worth
of numbers, because a call on a handful of numbers costs microseconds of fixed overhead, far more than the
numbers themselves.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rlkit.seeding import seeded_generator

Draw = Callable[[np.random.Generator, int], np.ndarray]
"""Fills a block: ``draw(generator, rows)`` returns an array whose ``rows`` rows are one step's draws each."""

BLOCK_ROWS = 256  # steps drawn per NumPy call: amortizes the call, keeps the block small (a few 10 kB)


class RandomStream:
    """A ``numpy.random.Generator`` keyed by a name and re-seeded by ``reset(seed=...)``.

    Args:
        name: Identifies the stream; it must differ between effects stacked on one env
            (``"ObservationNoise/0"``, ``"ObservationNoise/1"``).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.generator = np.random.default_rng()
        self._blocks: list[RowBlock] = []

    def reseed(self, seed: int | None) -> None:
        """Start the stream afresh from ``seed``; ``None`` continues the current stream (Gymnasium's rule).

        Re-seeding discards the rows its blocks drew ahead, so that the next row comes from the new seed.
        """
        if seed is not None:
            self.generator = seeded_generator(seed, self.name)
            for block in self._blocks:
                block.discard()

    def rows(self, draw: Draw, rows: int = BLOCK_ROWS) -> RowBlock:
        """A block of this stream's draws, handed out one row (one step) at a time; see :class:`RowBlock`."""
        block = RowBlock(self, draw, rows)
        self._blocks.append(block)
        return block

    def normal_rows(self, std: np.ndarray) -> RowBlock:
        """One row of ``N(0, std)`` draws per step, as ``std × N(0, 1)``: the very numbers
        ``normal(0, std)`` gives. ``std`` (one per column) is fixed when the block is made."""
        width = len(std)
        return self.rows(lambda generator, rows: generator.standard_normal((rows, width)) * std)


class RowBlock:
    """Draws ``rows`` steps at once from a stream and hands them out one row per :meth:`next` call.

    A row holds exactly the numbers that one draw per step would give, in the same order: NumPy's generators
    fill an array element after element, so ``standard_normal((256, n))`` is 256 consecutive
    ``standard_normal(n)``. As long as the effect draws nothing else from its stream between rows, its
    numbers are the same as without the block, for the same seed.

    Rows are read-only views into the block; a refill replaces the block rather than writing into it, so a
    row stays valid after later calls.

    Args:
        stream: The stream drawn from; its ``reseed`` discards the rows drawn ahead.
        draw: Fills a block, see :data:`Draw`.
        rows: Steps per block.
    """

    def __init__(self, stream: RandomStream, draw: Draw, rows: int = BLOCK_ROWS) -> None:
        self._stream = stream
        self._draw = draw
        self._rows = rows
        self._block = np.zeros(0)
        self._next = rows  # no row drawn yet

    def next(self) -> np.ndarray:
        """The next step's draws (a read-only view)."""
        index = self._next
        if index == self._rows:
            self._block = self._draw(self._stream.generator, self._rows)
            self._block.flags.writeable = False
            index = 0
        self._next = index + 1
        return self._block[index]

    def discard(self) -> None:
        """Forget the rows drawn ahead: the next row is drawn afresh from the stream."""
        self._next = self._rows
