"""The rows of ``metrics.csv``: the run's counters, clock and speed, and the recent episodes' statistics."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

from rlkit.training.episode_stats import EpisodeStats


def is_clock_column(name: str) -> bool:
    """Whether a ``metrics.csv`` column measures time (``wall_time``, ``steps_per_second``, ``time/...``):
    the columns two runs of the same seed may differ in."""
    return name in ("wall_time", "steps_per_second") or name.startswith("time/")


class MetricsRows:
    """Builds one metrics row at a time, in :data:`rlkit.training.metrics_log.BASE_COLUMNS` order, with the
    caller's columns after them.

    The speed of a row is measured since the previous row (the first one: since this object was made), so it
    shows how fast the run goes now, not on average since it started.

    Args:
        clock_start: The :func:`time.perf_counter` reading at which the run's wall time was zero; for a
            resumed run, before now by the wall time of its earlier sessions.
        env_steps: The step count this session starts at.
    """

    def __init__(self, clock_start: float, env_steps: int) -> None:
        self.clock_start = clock_start
        self._last_time, self._last_steps = time.perf_counter(), env_steps
        self._phase_seconds = {"rollout": 0.0, "update": 0.0}

    def wall_time(self) -> float:
        """Seconds in the loop since the run began, earlier sessions included."""
        return time.perf_counter() - self.clock_start

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Count the seconds spent in the block towards ``phase`` (``rollout`` or ``update``) in the next
        :meth:`time_split`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self._phase_seconds[phase] += time.perf_counter() - start

    def time_split(self) -> dict[str, float]:
        """The columns ``time/rollout_seconds`` (env steps and the policy's acting) and
        ``time/update_seconds`` (the agent's updates): the seconds each took since the previous call, which
        restarts them; the rest of a row's wall time went to evaluation, checkpoints and logging."""
        columns = {f"time/{phase}_seconds": round(spent, 4) for phase, spent in self._phase_seconds.items()}
        self._phase_seconds = dict.fromkeys(self._phase_seconds, 0.0)
        return columns

    def build(
        self, steps: int, episodes: EpisodeStats, *columns: Mapping[str, Any]
    ) -> tuple[dict[str, Any], float]:
        """The row at the loop's count ``steps``.

        Args:
            steps: The loop's env step count.
            episodes: The episode statistics: the count, and mean, spread and range of the recent returns
                (those columns stay out while no episode has ended).
            columns: More columns, in order; a later one replaces an earlier one of the same name.

        Returns:
            The row, and the unrounded env steps per second since the previous row.
        """
        now = time.perf_counter()
        speed = (steps - self._last_steps) / (now - self._last_time)
        row: dict[str, Any] = {
            "env_steps": steps,
            "wall_time": round(now - self.clock_start, 3),
            "steps_per_second": round(speed, 1),
            "episodes": episodes.episodes,
        }
        if episodes.recent_returns:
            returns = np.asarray(episodes.recent_returns)
            row.update(
                return_mean=float(returns.mean()),
                return_std=float(returns.std()),
                return_min=float(returns.min()),
                return_max=float(returns.max()),
                length_mean=float(np.mean(episodes.recent_lengths)),
            )
        for more in columns:
            row.update(more)
        self._last_time, self._last_steps = now, steps
        return row, speed
