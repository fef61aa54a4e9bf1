"""When the training loop's periodic work is due: log rows, evaluations and checkpoints every N env steps."""

from __future__ import annotations


class Interval:
    """Due once every ``every`` env steps: at the first step count on or past each multiple of ``every``.

    The loop counts steps a whole vector step at a time, so it may pass a multiple without landing on it, and
    a resumed run starts at whatever count its checkpoint had. Either way the interval is next due at the
    first multiple above the count it started from or was last due at, so a resumed run is due at the same
    counts as a run that never stopped.

    Args:
        every: Env steps between two due points; 0 or None: never due (``eval.interval: 0``).
        start: The step count the loop starts from (that of the checkpoint it resumes).

    Attributes:
        next: The step count from which the interval is due next (None: never).
    """

    def __init__(self, every: int | None, start: int = 0) -> None:
        self.every = every or 0
        self.next: int | None = self._after(start) if self.every else None

    def due(self, steps: int) -> bool:
        """Whether the loop's count, ``steps``, has reached the next due point; if so, the one after that is
        scheduled (so each due point answers True once)."""
        if self.next is None or steps < self.next:
            return False
        self.next = self._after(steps)
        return True

    def _after(self, steps: int) -> int:
        return (steps // self.every + 1) * self.every
