"""Learning curves: a metric of ``metrics.csv`` against training steps, for one or more runs.

Each run is one line labelled by its directory's name; evaluation metrics (``eval/...``), logged only at
evaluation time, are drawn as markers joined by a line. When the metric is the training return
(``return_mean``) and a run logged evaluations, its ``eval/return_mean`` points are added as markers in
the run's colour.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rlkit.errors import RlkitError
from rlkit.evaluate.figures import new_figure, png_bytes
from rlkit.files import atomic_write_bytes

DEFAULT_METRIC = "return_mean"
EVAL_PREFIX = "eval/"


@dataclass(frozen=True)
class Curve:
    """One run's metric: the steps and values of the rows where it was logged."""

    label: str
    steps: list[float]
    values: list[float]


def read_metrics(run_dir: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The columns and rows of a run's ``metrics.csv``.

    Raises:
        RlkitError: The run directory or its ``metrics.csv`` is missing or has no header.
    """
    path = run_dir / "metrics.csv"
    if not path.is_file():
        what = (
            "does not exist"
            if not run_dir.exists()
            else "has no metrics.csv (was it trained by rlkit train?)"
        )
        raise RlkitError(f"run '{run_dir}' {what}")
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        columns = list(reader.fieldnames or [])
    if "env_steps" not in columns:
        raise RlkitError(f"'{path}' has no env_steps column: not an rlkit metrics.csv")
    return columns, rows


def metric_curve(label: str, rows: Sequence[dict[str, str]], metric: str) -> Curve:
    """The rows of ``rows`` where ``metric`` has a finite value."""
    steps, values = [], []
    for row in rows:
        text = row.get(metric) or ""
        try:
            value, step = float(text), float(row["env_steps"])
        except ValueError:
            continue
        if math.isfinite(value):
            steps.append(step)
            values.append(value)
    return Curve(label, steps, values)


def run_label(run_dir: Path, all_dirs: Sequence[Path]) -> str:
    """The run directory's name, or the path as given when two runs share a name."""
    names = [d.resolve().name for d in all_dirs]
    name = run_dir.resolve().name
    return name if names.count(name) == 1 else str(run_dir)


def default_output(run_dirs: Sequence[Path], metric: str) -> Path:
    """``RUN/learning_curve.png`` for one run, ``./learning_curves.png`` for several; a metric other than
    ``return_mean`` is named in the file (``learning_curve_eval-return_mean.png``)."""
    stem = "learning_curve" if len(run_dirs) == 1 else "learning_curves"
    if metric != DEFAULT_METRIC:
        stem += "_" + "".join(c if c.isalnum() or c in "-_" else "-" for c in metric)
    folder = run_dirs[0] if len(run_dirs) == 1 else Path()
    return folder / f"{stem}.png"


def plot_learning_curves(
    run_dirs: Sequence[Path], metric: str = DEFAULT_METRIC, output: Path | None = None
) -> Path:
    """Draw ``metric`` against ``env_steps`` for every run and write the PNG atomically.

    Args:
        run_dirs: Run directories, each with a ``metrics.csv``.
        metric: A column of ``metrics.csv`` (``return_mean``, ``eval/return_mean``, a loss, ...).
        output: The PNG to write (default: :func:`default_output`).

    Returns:
        The path written.

    Raises:
        RlkitError: A run has no ``metrics.csv``, the metric is not one of a run's columns (the message lists
            them), or no run logged a value of it yet.
    """
    if output is not None and output.suffix.lower() != ".png":
        raise RlkitError(f"--output '{output}' must be a .png file")
    curves, eval_curves = [], []
    for run_dir in run_dirs:
        columns, rows = read_metrics(run_dir)
        if metric not in columns:
            known = ", ".join(c for c in columns if c not in ("env_steps", "wall_time"))
            raise RlkitError(f"metric '{metric}' is not logged by run '{run_dir}' (its metrics: {known})")
        label = run_label(run_dir, run_dirs)
        curves.append(metric_curve(label, rows, metric))
        extra = EVAL_PREFIX + metric if metric == DEFAULT_METRIC and EVAL_PREFIX + metric in columns else None
        eval_curves.append(metric_curve(f"{label} (eval)", rows, extra) if extra else None)
    if not any(curve.steps for curve in curves):
        raise RlkitError(f"no run has a value of '{metric}' yet (an eval/ metric needs eval.interval > 0)")

    figure = new_figure(7.0, 4.2)
    plot = figure.add_subplot()
    markers = metric.startswith(EVAL_PREFIX)
    for curve, eval_curve in zip(curves, eval_curves, strict=True):
        (line,) = plot.plot(
            curve.steps, curve.values, marker="o" if markers else None, markersize=4, label=curve.label
        )
        if eval_curve is not None and eval_curve.steps:
            plot.plot(
                eval_curve.steps,
                eval_curve.values,
                linestyle="none",
                marker="o",
                markersize=5,
                markerfacecolor="white",
                color=line.get_color(),
                label=eval_curve.label,
            )
    plot.set_xlabel("environment steps")
    plot.set_ylabel(metric)
    plot.set_title(f"{metric} against environment steps", fontsize="medium")
    plot.grid(alpha=0.3)
    plot.legend(fontsize="small")
    path = output if output is not None else default_output(run_dirs, metric)
    atomic_write_bytes(path, png_bytes(figure))
    return path
