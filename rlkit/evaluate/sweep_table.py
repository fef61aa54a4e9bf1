"""``sweep.md``: a robustness sweep as Markdown tables, every run side by side."""

from __future__ import annotations

from pathlib import Path

from rlkit.evaluate.sweep_result import Cell, SweepResult


def _kept(cell: Cell) -> str:
    return "—" if cell["kept"] is None else f"{cell['kept']:.0%}"


def _entry(cell: Cell) -> str:
    falls = f"; falls {cell['fall_rate']:.0%}" if "fall_rate" in cell else ""
    return f"{cell['mean_return']:.1f} ± {cell['std_return']:.1f} ({_kept(cell)}{falls})"


def _value(value: float) -> str:
    return f"{value:g}"


def sweep_markdown(result: SweepResult) -> str:
    """The sweep as Markdown: a summary per run, then the grid.

    One axis: one table, a row per value and a column per run. Two axes: a table per run, rows the first
    axis' values and columns the second's. Each entry is the mean return ± its std over the episodes, and in
    brackets the share of the nominal return kept (see :func:`rlkit.evaluate.sweep.kept_fraction`).
    """
    sweep = result.sweep
    axes = sweep.axes
    names = " × ".join(axis.perturbation for axis in axes)
    last = result.seed + result.episodes - 1
    lines = [
        f"# Robustness sweep `{sweep.name}`: {names}",
        "",
        f"{result.episodes} episodes per cell (seeds {result.seed}–{last}, the same in every cell), "
        f"baseline world: {sweep.baseline}. "
        "Each entry: mean return ± std (share of the nominal return kept; with velocity commands, the "
        "share of episodes that fell).",
        "",
        "| run | checkpoint | training steps | nominal return | mean over cells | worst cell | mean kept |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for run in result.runs:
        means = [cell["mean_return"] for cell in run.cells]
        kept = [cell["kept"] for cell in run.cells if cell["kept"] is not None]
        mean_kept = f"{sum(kept) / len(kept):.0%}" if kept else "—"
        nominal = run.nominal["mean_return"]
        lines.append(
            f"| {run.label} | {Path(run.checkpoint).name} | {run.env_steps:,} | {nominal:.1f} | "
            f"{sum(means) / len(means):.1f} | {min(means):.1f} | {mean_kept} |"
        )
    lines.append("")
    if len(axes) == 1:
        axis = axes[0]
        lines += [
            f"| {axis.perturbation} | " + " | ".join(run.label for run in result.runs) + " |",
            "|---:|" + "---:|" * len(result.runs),
        ]
        for i, value in enumerate(axis.values):
            entries = " | ".join(_entry(run.cells[i]) for run in result.runs)
            lines.append(f"| {_value(value)} | {entries} |")
        lines.append("")
    else:
        rows, columns = axes
        for run in result.runs:
            lines += [
                f"## {run.label}",
                "",
                f"| {rows.perturbation} \\ {columns.perturbation} | "
                + " | ".join(_value(v) for v in columns.values)
                + " |",
                "|---:|" + "---:|" * len(columns.values),
            ]
            width = len(columns.values)
            for i, value in enumerate(rows.values):
                entries = " | ".join(_entry(cell) for cell in run.cells[i * width : (i + 1) * width])
                lines.append(f"| {_value(value)} | {entries} |")
            lines.append("")
    return "\n".join(lines)
