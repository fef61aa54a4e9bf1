"""``metrics.csv`` and TensorBoard events: one row per log interval."""

from __future__ import annotations

import contextlib
import csv
import io
import os
from pathlib import Path
from typing import Any

from torch.utils.tensorboard import SummaryWriter

from rlkit.errors import RlkitError
from rlkit.files import atomic_write_text

#: Columns every row has, first, in this order; agent metrics follow in the order they first appear.
BASE_COLUMNS = (
    "env_steps",
    "wall_time",
    "steps_per_second",
    "episodes",
    "return_mean",
    "return_std",
    "return_min",
    "return_max",
    "length_mean",
)


class MetricsLog:
    """Appends rows to ``metrics.csv`` and scalars to TensorBoard.

    A metric that appears for the first time after rows were written (say, losses after the first update)
    widens the header: the file is rewritten atomically with empty cells for the earlier rows, which is rare
    and keeps every row readable by any CSV reader.

    Args:
        run_dir: The run directory: ``metrics.csv`` goes there (a resumed run's rows are kept), and the
            TensorBoard events into its ``tensorboard/``.
        tensorboard: Write TensorBoard events too (``log.tensorboard``).
    """

    def __init__(self, run_dir: Path, tensorboard: bool = True) -> None:
        self.path = run_dir / "metrics.csv"
        self.columns: list[str] = list(BASE_COLUMNS)
        self.rows: list[dict[str, Any]] = []
        if self.path.is_file():  # resuming: keep what was logged before
            with self.path.open(newline="") as handle:
                reader = csv.DictReader(handle)
                self.columns = list(reader.fieldnames or BASE_COLUMNS)
                self.rows = list(reader)
        self.writer: SummaryWriter | None = None
        if tensorboard:
            self.writer = SummaryWriter(log_dir=str(run_dir / "tensorboard"))

    def write(self, row: dict[str, Any]) -> None:
        """Append one row (missing columns stay empty) and send its numbers to TensorBoard."""
        new = [key for key in row if key not in self.columns]
        self.rows.append(row)
        if new or not self.path.is_file():
            self.columns.extend(new)
            self._rewrite()
        else:
            self._append(row)
        if self.writer is not None:
            step = int(row["env_steps"])
            for key, value in row.items():
                if key != "env_steps" and isinstance(value, (int, float)):
                    self.writer.add_scalar(key, value, step)

    def _append(self, row: dict[str, Any]) -> None:
        """Append one row; a failed write (a full disk) leaves the file as it was, without half a row."""
        buffer = io.StringIO()
        csv.DictWriter(buffer, self.columns).writerow(row)
        size = self.path.stat().st_size
        try:
            with self.path.open("a", newline="") as handle:
                handle.write(buffer.getvalue())
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.truncate(self.path, size)
            raise RlkitError(f"cannot write '{self.path}': {exc.strerror or exc}") from None

    def _rewrite(self) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, self.columns)
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write_text(self.path, buffer.getvalue())

    def close(self) -> None:
        """Flush and close TensorBoard."""
        if self.writer is not None:
            self.writer.close()
