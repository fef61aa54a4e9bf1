"""Observation channels: their names, choosing some of them, and the base of effects that act on a choice.

A flat observation is a 1-D float ``Box``; each of its entries is a channel. An env names its channels with
an ``observation_names`` attribute (``"pole_angle"``, ``"accelerometer[2]"``); an env without one gets
``"obs[0]"``, ``"obs[1]"``, ... A sensor model picks its channels with :func:`select_channels` and applies
its effect through :class:`ChannelWrapper`, which leaves the other channels untouched.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.core import ActType
from gymnasium.spaces import Box

from rlkit.errors import RlkitError
from rlkit.sim.random_stream import RandomStream

_LISTED_NAMES = 20  # an error lists this many channel names, then an ellipsis


def channel_names(env: gym.Env) -> list[str]:
    """The name of every flat observation channel of ``env``.

    Args:
        env: An env, possibly wrapped, with a 1-D ``Box`` observation space.

    Returns:
        The outermost ``observation_names`` declared by the env or a wrapper, else
        ``["obs[0]", "obs[1]", ...]``.

    Raises:
        RlkitError: The observation space is not a 1-D ``Box``, or the declared names do not match it.
    """
    space = env.observation_space
    if not (isinstance(space, Box) and len(space.shape) == 1):
        raise RlkitError(f"observation channels need a 1-D Box observation space, this env has {space}")
    count = space.shape[0]
    try:  # the outermost declaration: a wrapper that keeps some channels renames them
        names = env.get_wrapper_attr("observation_names")
    except AttributeError:
        names = None
    if names is None:
        return [f"obs[{i}]" for i in range(count)]
    names = list(names)
    if len(names) != count or not all(isinstance(name, str) for name in names):
        raise RlkitError(
            f"the env's observation_names must be {count} strings, one per observation channel, "
            f"got {len(names)} entries"
        )
    return names


def select_channels(names: list[str], spec: str | Sequence[str | int]) -> np.ndarray:
    """The indices of the channels that ``spec`` selects.

    Args:
        names: Every channel's name (see :func:`channel_names`).
        spec: A regular expression, matched in full against every name (``"qvel\\[.*\\]"``), or a list of
            exact names and integer indices (negative indices count from the end).

    Returns:
        Sorted, unique ``int64`` indices.

    Raises:
        RlkitError: The pattern is invalid or matches nothing, a name is unknown, an index is out of range,
            or the list is empty.
    """
    if isinstance(spec, str):
        try:
            pattern = re.compile(spec)
        except re.error as exc:
            raise RlkitError(f"channels: '{spec}' is not a valid regular expression ({exc})") from None
        indices = [i for i, name in enumerate(names) if pattern.fullmatch(name)]
        if not indices:
            raise RlkitError(
                f"channels: the pattern '{spec}' matches no observation channel; "
                f"the channels are {_listing(names)}"
            )
        return np.asarray(indices, dtype=np.int64)

    index_of = {name: i for i, name in enumerate(names)}
    indices = []
    for entry in spec:
        if isinstance(entry, str):
            if entry not in index_of:
                close = difflib.get_close_matches(entry, names, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise RlkitError(
                    f"channels: no observation channel is named '{entry}'{hint}; "
                    f"the channels are {_listing(names)}"
                )
            indices.append(index_of[entry])
        elif isinstance(entry, (int, np.integer)) and not isinstance(entry, bool):
            if not -len(names) <= entry < len(names):
                raise RlkitError(
                    f"channels: index {entry} is out of range for {len(names)} observation channels "
                    f"(valid: {-len(names)} to {len(names) - 1}); the channels are {_listing(names)}"
                )
            indices.append(int(entry) % len(names))
        else:
            raise RlkitError(f"channels: {entry!r} is neither a channel name nor an integer index")
    if not indices:
        raise RlkitError(f"channels: the list selects no channel; the channels are {_listing(names)}")
    return np.unique(np.asarray(indices, dtype=np.int64))


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:_LISTED_NAMES])
    if len(names) > _LISTED_NAMES:
        shown += f", … ({len(names) - _LISTED_NAMES} more)"
    return shown


def per_channel(
    value: float | Sequence[float] | np.ndarray,
    count: int,
    argument: str,
    *,
    minimum: float | None = None,
    exclusive: bool = False,
    finite: bool = True,
) -> np.ndarray:
    """A scalar or per-channel constructor argument, checked and broadcast to ``count`` float64 values.

    Args:
        value: One number for every channel, or one per selected channel.
        count: How many channels are selected.
        argument: The argument's name, for the error message.
        minimum: The smallest valid value (None: no lower limit).
        exclusive: The value must exceed ``minimum`` rather than reach it.
        finite: Infinite values are invalid.

    Raises:
        ValueError: The value has the wrong shape, is NaN or infinite where not allowed, or is too small.
    """
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 0 and array.shape != (count,):
        raise ValueError(
            f"{argument} must be a number or an array of {count} numbers (one per selected channel), "
            f"got shape {array.shape}"
        )
    if np.isnan(array).any() or (finite and not np.isfinite(array).all()):
        raise ValueError(f"{argument} must be {'finite' if finite else 'a number, not NaN'}, got {value}")
    if minimum is not None and (np.any(array <= minimum) if exclusive else np.any(array < minimum)):
        raise ValueError(f"{argument} must be {'>' if exclusive else '>='} {minimum}, got {value}")
    return np.broadcast_to(array, (count,)).copy()


def channel_indices(channels: np.ndarray | Sequence[int] | None, count: int) -> np.ndarray:
    """Check an index array over ``count`` channels; negative indices count from the end.

    Returns:
        The indices as non-negative ``int64``, in the given order (a per-channel argument follows it);
        all channels when ``channels`` is None.

    Raises:
        ValueError: The indices are not integers, are out of range, repeat, or select nothing.
    """
    if channels is None:
        return np.arange(count, dtype=np.int64)
    array = np.asarray(channels)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"channels must be a non-empty 1-D array of integer indices, got {channels!r}")
    if np.any(array < -count) or np.any(array >= count):
        raise ValueError(f"channels must be indices from {-count} to {count - 1}, got {channels!r}")
    array = array.astype(np.int64) % count
    if np.unique(array).size != array.size:
        raise ValueError(f"channels must not repeat a channel, got {channels!r}")
    return array


def channel_index(channels: np.ndarray, count: int) -> slice | np.ndarray:
    """The cheapest index that selects ``channels`` (in their order) from ``count`` channels.

    A run of consecutive ascending channels (all channels included) becomes a ``slice``: indexing with it
    gives a view, with no copy, and costs a fraction of indexing with an array. Any other choice stays the
    index array.
    """
    start = int(channels[0])
    if np.array_equal(channels, np.arange(start, start + len(channels))):
        return slice(start, start + len(channels)) if len(channels) < count else slice(None)
    return channels


class ChannelWrapper(gym.Wrapper[np.ndarray, ActType, np.ndarray, ActType]):
    """The base of the sensor effects: an effect on some channels of a 1-D float ``Box`` observation.

    A subclass implements :meth:`_reading` (one step's reading of the selected channels) and, where the
    effect keeps per-episode state, :meth:`_first_reading` (the reset observation's reading, which starts
    that state afresh). Both receive the selected channels as a float64 array that belongs to this step
    alone, which they may change in place, and return the reading (that array, or another one that this
    class only reads). This class copies the observation, writes the reading back in the space's dtype, and
    clips it to the space's bounds where the space has any. The observation space itself is left unchanged,
    so that an env with sensor models and one without them accept the same policy.

    An effect must not keep the array it receives: it may be the observation handed to the caller. State
    kept across steps (a held value) is a copy.

    The wrapper's random numbers come only from ``self._stream``, re-seeded by ``reset(seed=...)``.

    Args:
        env: The env whose observations are read.
        channels: Indices of the channels the effect acts on (None: all).
        stream: Name of the effect's random stream.

    Raises:
        ValueError: The observation space is not a 1-D float ``Box``, or ``channels`` is invalid.
    """

    def __init__(self, env: gym.Env[np.ndarray, ActType], channels: np.ndarray | None, stream: str) -> None:
        gym.Wrapper.__init__(self, env)
        space = env.observation_space
        if not (isinstance(space, Box) and len(space.shape) == 1 and np.issubdtype(space.dtype, np.floating)):
            raise ValueError(
                f"env: {type(self).__name__} needs a 1-D float Box observation space, got {space}"
            )
        self.channels = channel_indices(channels, space.shape[0])
        self._stream = RandomStream(stream)
        self._low = space.low[self.channels].astype(np.float64)
        self._high = space.high[self.channels].astype(np.float64)
        self._bounded = bool(np.isfinite(self._low).any() or np.isfinite(self._high).any())
        # Looked up once: ``observation_space`` is a property that walks down the wrapper chain.
        self._dtype = space.dtype
        self._index = channel_index(self.channels, space.shape[0])
        # A float64 observation indexed by a slice is read and written through a view of the copy.
        self._through_view = self._dtype == np.float64 and isinstance(self._index, slice)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the env and the effect's per-episode state; ``seed`` also re-seeds the effect's stream."""
        self._stream.reseed(seed)
        observation, info = self.env.reset(seed=seed, options=options)
        return self._apply(observation, self._first_reading), info

    def step(self, action: ActType) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env and apply the effect to the observation."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        return self._apply(observation, self._reading), reward, terminated, truncated, info

    @property
    def _rng(self) -> np.random.Generator:
        return self._stream.generator

    def _apply(self, observation: np.ndarray, effect: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        # A copy: the inner env may reuse its array, and the caller may keep ours.
        result = np.array(observation, dtype=self._dtype)
        if self._through_view:
            values = result[self._index]  # a view: the effect writes into the result
            reading = effect(values)
            if reading is not values:
                values[...] = reading
            if self._bounded:
                # maximum then minimum is np.clip, at half its per-call cost
                np.maximum(values, self._low, out=values)
                np.minimum(values, self._high, out=values)
            return result
        values = result[self._index].astype(np.float64, copy=False)  # a new array either way
        reading = effect(values)
        if self._bounded:  # not in place: the reading may be the effect's state
            reading = np.minimum(np.maximum(reading, self._low), self._high)
        result[self._index] = reading
        return result

    def _first_reading(self, values: np.ndarray) -> np.ndarray:
        """The reading of the reset observation; a stateful effect starts its episode state here."""
        return self._reading(values)

    def _reading(self, values: np.ndarray) -> np.ndarray:
        """One step's reading of the selected channels (float64, in ``self.channels`` order).

        ``values`` may be changed in place and returned; see the class docstring.
        """
        raise NotImplementedError
