"""The random streams of one effect in every env of a batch, and their draws handed out a step at a time.

Env ``i`` of a batch draws from the very stream the per-env wrapper of env ``i`` draws from: a
:class:`~rlkit.sim.random_stream.RandomStream` named by the effect and re-seeded from that env's seed, so
that a batch of envs and a vector of single envs give the same numbers for the same seeds
(:mod:`rlkit.seeding`).

:class:`BatchRows` is :class:`~rlkit.sim.random_stream.RowBlock` for a batch: each env's stream fills a block
of :data:`~rlkit.sim.random_stream.BLOCK_ROWS` steps in one NumPy call, and every step hands out one row per
env, with a cursor per env (an env that starts an episode draws a row more than the others in that step).
Its rows are the numbers one draw per step and env would give, as a ``RowBlock``'s are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rlkit.sim.random_stream import BLOCK_ROWS, Draw, RandomStream

Rows = np.ndarray | slice
"""The envs an operation is for: an index array of env ids, or ``slice(None)`` for every env."""

EVERY_ENV = slice(None)


def env_ids(rows: Rows, num_envs: int) -> np.ndarray:
    """The env ids ``rows`` selects, as an ``int64`` array."""
    return np.arange(num_envs)[rows] if isinstance(rows, slice) else np.asarray(rows, dtype=np.int64)


class EnvStreams:
    """Effect ``name``'s random stream in each of ``num_envs`` envs.

    Args:
        name: The effect's stream name (the per-env wrapper's ``stream`` argument).
        num_envs: Envs in the batch.
    """

    def __init__(self, name: str, num_envs: int) -> None:
        self.name = name
        self.num_envs = num_envs
        self.streams = [RandomStream(name) for _ in range(num_envs)]
        self._rows: list[BatchRows] = []

    def reseed(self, rows: Rows, seeds: Sequence[int | None] | None) -> None:
        """Re-seed the streams of envs ``rows`` from ``seeds`` (one per env; None, or a None entry, continues
        that env's stream, Gymnasium's rule); the rows drawn ahead for a re-seeded env are discarded."""
        if seeds is None:
            return
        for env, seed in zip(env_ids(rows, self.num_envs), seeds, strict=True):
            if seed is not None:
                self.streams[env].reseed(seed)
                for block in self._rows:
                    block.discard(int(env))

    def generator(self, env: int) -> np.random.Generator:
        """Env ``env``'s generator."""
        return self.streams[env].generator

    def rows(self, draw: Draw, rows: int = BLOCK_ROWS) -> BatchRows:
        """Every env's draws, one row per step and env; see :class:`BatchRows`."""
        block = BatchRows(self, draw, rows)
        self._rows.append(block)
        return block

    def normal_rows(self, std: np.ndarray) -> BatchRows:
        """One row of ``N(0, std)`` draws per step and env, as ``RandomStream.normal_rows`` draws them."""
        width = len(std)
        return self.rows(lambda generator, rows: generator.standard_normal((rows, width)) * std)


class BatchRows:
    """Each env's :class:`~rlkit.sim.random_stream.RowBlock`, held as one ``(num_envs, rows, ...)`` array.

    A checkpoint holds each env's generator state from before its block was drawn, not the block (which
    would be ``rows`` steps of draws per env); :meth:`after_state_restored` draws the blocks again from it.

    Args:
        streams: The envs' streams; their ``reseed`` discards an env's rows drawn ahead.
        draw: Fills one env's block, ``draw(generator, rows)``.
        rows: Steps per block (the per-env ``RowBlock``'s, so that both draw the same numbers).
    """

    def __init__(self, streams: EnvStreams, draw: Draw, rows: int = BLOCK_ROWS) -> None:
        self._streams = streams
        self._draw = draw
        self._rows = rows
        self._block: np.ndarray | None = None
        self._cursor = np.full(streams.num_envs, rows, dtype=np.int64)  # no row drawn yet
        self._envs = np.arange(streams.num_envs)
        self._single = streams.num_envs == 1
        self._at = rows  # a batch of one's cursor (``_cursor`` holds it between calls of the general path)
        # each env's generator state before its current block was drawn (None: no block yet)
        self._block_states: list[dict | None] = [None] * streams.num_envs

    #: Left out of checkpoints (see :mod:`rlkit.envs.env_state`): drawn again from ``_block_states``.
    checkpoint_exclude = ("_block",)

    def next(self, rows: Rows = EVERY_ENV) -> np.ndarray:
        """The next step's draws of envs ``rows``, one row each: ``(len(rows), ...)``, to be read before the
        next call (a view into the block for a batch of one, as cheap as a ``RowBlock``'s row)."""
        if self._single and isinstance(rows, slice):  # the per-env wrappers' batch of one, on a Python int
            at = self._at
            if at == self._rows:
                self._refill(0)
                at = 0
            self._at = at + 1
            assert self._block is not None  # refilled above when it had no row
            return self._block[:, at]
        cursor = self._cursor
        if self._single:
            cursor[0] = self._at
        if isinstance(rows, slice) and rows == EVERY_ENV:  # every env's next row: no gathering of cursors
            if (cursor == self._rows).any():
                for env in np.flatnonzero(cursor == self._rows):
                    self._refill(int(env))
            assert self._block is not None  # refilled above for every env that had no row
            drawn = self._block[self._envs, cursor]
            cursor += 1
            return drawn
        envs = self._envs[rows]
        cursors = cursor[envs]
        spent = cursors == self._rows
        if spent.any():
            for env in envs[spent]:
                self._refill(int(env))
            cursors = cursor[envs]
        assert self._block is not None  # refilled above for every env that had no row
        drawn = self._block[envs, cursors]
        cursor[envs] = cursors + 1
        if self._single:
            self._at = int(cursor[0])
        return drawn

    def _refill(self, env: int) -> None:
        generator = self._streams.generator(env)
        self._block_states[env] = dict(generator.bit_generator.state)
        block = self._draw(generator, self._rows)
        if self._block is None:
            self._block = np.zeros((len(self._cursor), *block.shape), dtype=block.dtype)
        self._block[env] = block
        self._cursor[env] = 0
        self._at = 0 if self._single else self._at

    def after_state_restored(self) -> None:
        """Draw each env's block again from its generator state before the block (a checkpoint holds the
        states, not the blocks)."""
        self._block = None
        for env, state in enumerate(self._block_states):
            if state is not None:
                generator = np.random.Generator(getattr(np.random, state["bit_generator"])())
                generator.bit_generator.state = state
                block = self._draw(generator, self._rows)
                if self._block is None:
                    self._block = np.zeros((len(self._cursor), *block.shape), dtype=block.dtype)
                self._block[env] = block

    def discard(self, env: int) -> None:
        """Forget env ``env``'s rows drawn ahead: its next row is drawn afresh from its stream."""
        self._cursor[env] = self._rows
        if self._single:
            self._at = self._rows
