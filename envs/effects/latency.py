"""Observation latency on a batch: each env sees its observation from its episode's delay steps earlier."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rlkit.envs.effects.delays import EpisodeDelays
from rlkit.envs.effects.streams import EVERY_ENV, EnvStreams, Rows, env_ids


class DelayLine:
    """The last ``max_delay + 1`` observations of each env, handed out ``delay`` steps late.

    After ``t`` steps of its episode, env ``i`` sees the observation of step ``max(t - k_i, 0)``, ``k_i`` its
    episode's delay (:class:`~rlkit.envs.effects.delays.EpisodeDelays`): until ``k_i`` steps have passed, it
    sees the reset observation. The observations are arrays of any shape and dtype, ``(n, ...)`` for ``n``
    envs; one line per array when an observation has several (a dict's entries), all reading one
    ``EpisodeDelays``.

    Args:
        delays: The envs' delays, drawn by the owner of the line when episodes start.
    """

    def __init__(self, delays: EpisodeDelays) -> None:
        self.delays = delays
        self._length = delays.max_delay + 1
        self._history: np.ndarray | None = None  # (num_envs, length, ...), allocated at the first reset
        self.steps = np.zeros(len(delays.delays), dtype=np.int64)
        """Each env's steps since its episode started."""
        self._envs = np.arange(len(delays.delays))
        self._step = self._delay = 0

    def reset(self, observations: np.ndarray, rows: Rows = EVERY_ENV) -> np.ndarray:
        """Start envs ``rows``' histories with their reset observations; returns a copy of them."""
        observations = np.asarray(observations)
        if self._history is None:
            self._history = np.zeros(
                (len(self.steps), self._length, *observations.shape[1:]), dtype=observations.dtype
            )
        envs = env_ids(rows, len(self.steps))
        self.steps[envs] = 0
        self._history[envs, 0] = observations
        if len(self._envs) == 1:  # a batch of one steps on Python ints: its step and its episode's delay
            self._step, self._delay = 0, int(self.delays.delays[0])
        return observations.copy()

    def __call__(self, observations: np.ndarray) -> np.ndarray:
        """Record every env's observation of this step; returns each env's delayed one (a new array)."""
        assert self._history is not None, "DelayLine stepped before reset"
        if len(self._envs) == 1:  # the per-env wrapper's batch of one, on Python ints
            step = self._step = self._step + 1
            self.steps[0] = step
            history = self._history[0]
            history[step % self._length] = observations[0]
            return history[max(step - self._delay, 0) % self._length][None].copy()
        steps = self.steps + 1
        self.steps = steps
        envs = self._envs
        self._history[envs, steps % self._length] = observations
        seen = np.maximum(steps - self.delays.delays, 0) % self._length
        return self._history[envs, seen]


class ObservationLatency:
    """Observation latency of a flat observation: each env's episode delay and its :class:`DelayLine`.

    Args:
        num_envs: Envs in the batch.
        min_delay: Smallest delay in control steps, >= 0.
        max_delay: Largest delay in control steps, >= ``min_delay``.
        stream: Name of the effect's random stream.

    Raises:
        ValueError: A delay is not an integer >= 0, or ``min_delay > max_delay``.
    """

    def __init__(
        self, num_envs: int, min_delay: int, max_delay: int, stream: str = "ObservationDelay"
    ) -> None:
        self.delays = EpisodeDelays(EnvStreams(stream, num_envs), min_delay, max_delay)
        self.line = DelayLine(self.delays)

    def reset(
        self, observations: np.ndarray, rows: Rows = EVERY_ENV, seeds: Sequence[int | None] | None = None
    ) -> np.ndarray:
        """Draw envs ``rows``' delays and start their histories; returns their reset observations."""
        self.delays.draw(rows, seeds)
        return self.line.reset(observations, rows)

    def __call__(self, observations: np.ndarray) -> np.ndarray:
        """Every env's observation from its delay steps earlier."""
        return self.line(observations)
