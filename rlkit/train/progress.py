"""The live progress bar of ``rlkit train``: steps, steps/s, recent episode return, ETA."""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


class TrainingProgress:
    """A rich progress bar updated at most ten times a second (so it costs nothing per env step).

    Args:
        total: Env steps the run trains for.
        completed: Env steps already done (resumed runs).
        enabled: Show the bar (``log.progress``); when off, nothing is drawn.
    """

    REFRESH_SECONDS = 0.1

    def __init__(self, total: int, completed: int = 0, enabled: bool = True) -> None:
        self.console = Console(stderr=True)
        self.enabled = enabled
        self.progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("steps  {task.fields[speed]:>7} steps/s  return {task.fields[ret]:>8}"),
            TimeRemainingColumn(),
            console=self.console,
            disable=not enabled,
            auto_refresh=False,
        )
        self.task = self.progress.add_task("train", total=total, completed=completed, speed="-", ret="-")
        self._last_time = time.perf_counter()
        self._last_steps = completed

    def __enter__(self) -> TrainingProgress:
        self.progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.refresh()
        self.progress.stop()

    def advance(self, steps: int, recent_returns: Sequence[float]) -> None:
        """Report progress; redraws only when the refresh interval has passed."""
        now = time.perf_counter()
        if not self.enabled or now - self._last_time < self.REFRESH_SECONDS:
            return
        speed = (steps - self._last_steps) / (now - self._last_time)
        ret = f"{sum(recent_returns) / len(recent_returns):.1f}" if recent_returns else "-"
        self.progress.update(self.task, completed=steps, speed=f"{speed:,.0f}", ret=ret)
        self.progress.refresh()
        self._last_time, self._last_steps = now, steps

    def note(self, message: str) -> None:
        """Print a line above the bar."""
        if self.enabled:
            self.progress.console.print(message)
