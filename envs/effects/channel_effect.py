"""The base of the sensor effects on arrays: an effect on some channels of a batch of flat observations.

A batch of observations is a ``(n, channels)`` array, row ``k`` the observation of one env. The step reading
is applied to every env of the batch at once; the reset reading to the rows of the envs that start an
episode, whose per-episode state it starts afresh. The same class serves the batched backend (a batch of
``num_envs``) and the per-env wrapper (:class:`rlkit.envs.sensors.channels.ChannelWrapper`, a batch of one),
so each effect is implemented once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.arguments import channel_index, channel_indices
from rlkit.envs.effects.streams import EVERY_ENV, EnvStreams, Rows


class ChannelEffect:
    """An effect on some channels of a batch of 1-D float ``Box`` observations.

    A subclass implements :meth:`_reading` (one step's reading of the selected channels of envs ``rows``) and,
    where the effect keeps per-episode state (one row per env), :meth:`_first_reading` (the reset
    observation's reading, which starts that state afresh). Both receive the selected channels as a float64
    ``(len(rows), k)`` array that belongs to this call alone, which they may change in place, and return the
    reading (that array, or another one that this class only reads). This class copies the observations,
    writes the readings back in the space's dtype, and clips them to the space's bounds where it has any.

    Env ``i`` draws from its own stream ``streams.streams[i]``, named ``stream``, re-seeded by
    :meth:`reset`'s seeds.

    Args:
        space: The (single env's) observation space, a 1-D float ``Box``.
        num_envs: Envs in the batch.
        channels: Indices of the channels the effect acts on (None: all).
        stream: Name of the effect's random stream.

    Raises:
        ValueError: ``channels`` is invalid.
    """

    def __init__(self, space: Box, num_envs: int, channels: np.ndarray | None, stream: str) -> None:
        self.num_envs = num_envs
        self.channels = channel_indices(channels, space.shape[0])
        self.streams = EnvStreams(stream, num_envs)
        self._low = space.low[self.channels].astype(np.float64)
        self._high = space.high[self.channels].astype(np.float64)
        self._bounded = bool(np.isfinite(self._low).any() or np.isfinite(self._high).any())
        self._dtype = space.dtype
        self._index = channel_index(self.channels, space.shape[0])
        # A float64 observation indexed by a slice is read and written through a view of the copy.
        self._through_view = self._dtype == np.float64 and isinstance(self._index, slice)

    def reset(
        self, observations: np.ndarray, rows: Rows = EVERY_ENV, seeds: Sequence[int | None] | None = None
    ) -> np.ndarray:
        """The readings of envs ``rows``' reset observations ``(len(rows), channels)``; their per-episode
        state starts afresh, and ``seeds`` (one per env, None: continue) re-seed their streams first."""
        self.streams.reseed(rows, seeds)
        return self._apply(observations, self._first_reading, rows)

    def __call__(self, observations: np.ndarray) -> np.ndarray:
        """Every env's reading of one step's observations ``(num_envs, channels)``, a new array."""
        return self._apply(observations, self._reading, EVERY_ENV)

    def _apply(
        self, observations: np.ndarray, effect: Callable[[np.ndarray, Rows], np.ndarray], rows: Rows
    ) -> np.ndarray:
        # A copy: the env may reuse its array, and the caller may keep ours.
        result = np.array(observations, dtype=self._dtype)
        if self._through_view:
            values = result[:, self._index]  # a view: the effect writes into the result
            reading = effect(values, rows)
            if reading is not values:
                values[...] = reading
            if self._bounded:
                # maximum then minimum is np.clip, at half its per-call cost
                np.maximum(values, self._low, out=values)
                np.minimum(values, self._high, out=values)
            return result
        values = result[:, self._index].astype(np.float64, copy=False)  # a new array either way
        reading = effect(values, rows)
        if self._bounded:  # not in place: the reading may be the effect's state
            reading = np.minimum(np.maximum(reading, self._low), self._high)
        result[:, self._index] = reading
        return result

    def _first_reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        """The reading of envs ``rows``' reset observations; a stateful effect starts their state here."""
        return self._reading(values, rows)

    def _reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        """One step's reading of envs ``rows``' selected channels (float64, in ``self.channels`` order).

        ``values`` may be changed in place and returned; see the class docstring.
        """
        raise NotImplementedError
