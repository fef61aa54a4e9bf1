"""Delays in control steps drawn per episode: the checks of a delay range and each env's draw.

Shared by the observation latency (:class:`~rlkit.envs.effects.latency.DelayLine`) and the actuation latency
(:class:`~rlkit.envs.effects.action_delay.ActuatorDelay`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rlkit.envs.effects.streams import EnvStreams, Rows, env_ids
from rlkit.sim.random_stream import RandomStream


def delay_range(min_delay: int, max_delay: int) -> tuple[int, int]:
    """Check a delay range in control steps.

    Raises:
        ValueError: A bound is not an integer >= 0, or ``min_delay > max_delay``.
    """
    for argument, value in (("min_delay", min_delay), ("max_delay", max_delay)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{argument} must be an integer >= 0, got {value!r}")
    if min_delay > max_delay:
        raise ValueError(f"min_delay ({min_delay}) must not exceed max_delay ({max_delay})")
    return int(min_delay), int(max_delay)


def draw_delay(stream: RandomStream, min_delay: int, max_delay: int) -> int:
    """One episode's delay: ``min_delay`` when the range is one value, else uniform over [min, max]."""
    if min_delay == max_delay:
        return min_delay
    return int(stream.generator.integers(min_delay, max_delay + 1))


class EpisodeDelays:
    """Each env's delay of its current episode, drawn from its own stream when the episode starts.

    Args:
        streams: The effect's random stream in each env.
        min_delay: Smallest delay in control steps, >= 0.
        max_delay: Largest delay in control steps, >= ``min_delay``.

    Raises:
        ValueError: A delay is not an integer >= 0, or ``min_delay > max_delay``.
    """

    def __init__(self, streams: EnvStreams, min_delay: int, max_delay: int) -> None:
        self.min_delay, self.max_delay = delay_range(min_delay, max_delay)
        self.streams = streams
        self.delays = np.full(streams.num_envs, self.min_delay, dtype=np.int64)
        """Each env's delay of its current episode."""

    def draw(self, rows: Rows, seeds: Sequence[int | None] | None = None) -> None:
        """Draw the delays of envs ``rows`` starting an episode; ``seeds`` (None: continue) re-seed first."""
        self.streams.reseed(rows, seeds)
        for env in env_ids(rows, len(self.delays)):
            self.delays[env] = draw_delay(self.streams.streams[env], self.min_delay, self.max_delay)
