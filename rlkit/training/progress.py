"""How ``rlkit train`` shows its progress: a live bar on a terminal, plain lines in a pipe or a log.

On a terminal (stdout and stderr both): a rich bar on stderr with the whole ``done/total`` count (thousands
separated, never cut: the bar itself shrinks on a narrow terminal), steps/s, the recent episode return and
the ETA, redrawn at most ten times a second and ending at the run's final step count (100 % for a run that
trained its budget). When stdout is not a terminal (a pipe, a file, a scheduler's log) nothing is drawn:
one plain line per log interval goes to stdout instead, in order with the run's other output.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Column


class TrainingProgress:
    """Progress of a training run.

    Args:
        total: Env steps the run trains for.
        completed: Env steps already done (resumed runs).
        enabled: Show progress at all (``log.progress``).
        interactive: Draw the live bar (None: when stdout and stderr are terminals); otherwise print a plain
            line per log interval on stdout.
        console: Where the bar is drawn (default: stderr).
    """

    REFRESH_SECONDS = 0.1

    def __init__(
        self,
        total: int,
        completed: int = 0,
        enabled: bool = True,
        interactive: bool | None = None,
        console: Console | None = None,
    ) -> None:
        self.console = console or Console(stderr=True)
        if interactive is None:
            interactive = sys.stdout.isatty() and self.console.is_terminal
        self.enabled = enabled
        self.interactive = enabled and interactive
        self.total = total
        width = len(f"{total:,}")
        self.progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(bar_width=None),  # flexible: the bar shrinks first on a narrow terminal
            TextColumn(
                f"{{task.completed:>{width},.0f}}/{{task.total:,.0f}} steps",
                table_column=Column(no_wrap=True, min_width=2 * width + 7),
            ),
            TextColumn(
                "{task.fields[speed]:>7} steps/s  return {task.fields[ret]:>8}",
                table_column=Column(no_wrap=True),
            ),
            TimeRemainingColumn(table_column=Column(no_wrap=True, min_width=7)),
            console=self.console,
            disable=not self.interactive,
            auto_refresh=False,
        )
        self.task = self.progress.add_task("train", total=total, completed=completed, speed="-", ret="-")
        self._last_time = time.perf_counter()
        self._last_steps = completed
        self._steps = completed

    def __enter__(self) -> TrainingProgress:
        self.progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # The final count, whatever the refresh interval skipped; a run may overshoot its budget by part of
        # one vector step, which is still 100 %.
        self.progress.update(self.task, total=max(self.total, self._steps), completed=self._steps)
        self.progress.refresh()
        self.progress.stop()

    def advance(self, steps: int, recent_returns: Sequence[float]) -> None:
        """Report progress; the bar redraws only when the refresh interval has passed."""
        self._steps = steps
        now = time.perf_counter()
        if not self.interactive or now - self._last_time < self.REFRESH_SECONDS:
            return
        speed = (steps - self._last_steps) / (now - self._last_time)
        self.progress.update(self.task, completed=steps, speed=f"{speed:,.0f}", ret=_mean(recent_returns))
        self.progress.refresh()
        self._last_time, self._last_steps = now, steps

    def logged(self, steps: int, steps_per_second: float, recent_returns: Sequence[float]) -> None:
        """A metrics row was written: without the live bar, say so in one plain line on stdout."""
        if self.enabled and not self.interactive:
            percent = 100.0 * min(steps / self.total, 1.0)
            print(
                f"train {steps:,}/{self.total:,} steps ({percent:.0f} %)  {steps_per_second:,.0f} steps/s  "
                f"return {_mean(recent_returns)}",
                flush=True,
            )

    def note(self, message: str) -> None:
        """Print a line above the bar (or on stdout without one)."""
        if self.interactive:
            self.progress.console.print(message)
        elif self.enabled:
            print(message, flush=True)


def _mean(values: Sequence[float]) -> str:
    return f"{sum(values) / len(values):.1f}" if values else "-"
