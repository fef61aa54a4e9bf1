"""``sweep.png``: a robustness sweep as a figure.

Two axes: one heatmap of the mean return per run, on one shared colour scale, each cell annotated with its
value. One axis: the mean return (± std, shaded) against the perturbation's value, one line per run, the
nominal value marked.
"""

from __future__ import annotations

import numpy as np

from rlkit.evaluate.figures import new_figure, png_bytes
from rlkit.evaluate.sweep_result import SweepResult


def render_sweep_png(result: SweepResult) -> bytes:
    """The sweep's figure as PNG bytes."""
    axes = result.sweep.axes
    title = f"sweep '{result.sweep.name}': mean return over {result.episodes} episodes"
    if len(axes) == 1:
        axis = axes[0]
        figure = new_figure(6.4, 4.2)
        plot = figure.add_subplot()
        x = np.asarray(axis.values)
        for run in result.runs:
            mean = np.array([cell["mean_return"] for cell in run.cells])
            std = np.array([cell["std_return"] for cell in run.cells])
            (line,) = plot.plot(x, mean, marker="o", label=run.label)
            plot.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.15)
        plot.axvline(axis.nominal, color="0.6", linestyle=":", linewidth=1, label="nominal")
        plot.set_xlabel(axis.perturbation)
        plot.set_ylabel("return")
        plot.set_title(title, fontsize="medium")
        plot.grid(alpha=0.3)
        plot.legend(fontsize="small")
        return png_bytes(figure)

    rows, columns = axes
    grids = [np.asarray(result.grid(run)) for run in result.runs]
    low = min(float(g.min()) for g in grids)
    high = max(float(g.max()) for g in grids)
    count = len(result.runs)
    figure = new_figure(0.6 + 4.2 * count, 3.9)
    panels = figure.subplots(1, count, squeeze=False)[0]
    image = None
    for panel, run, grid in zip(panels, result.runs, grids, strict=True):
        image = panel.imshow(grid, cmap="viridis", vmin=low, vmax=high, aspect="auto", origin="lower")
        panel.set_xticks(range(len(columns.values)), [f"{v:g}" for v in columns.values])
        panel.set_yticks(range(len(rows.values)), [f"{v:g}" for v in rows.values])
        panel.set_xlabel(columns.perturbation)
        panel.set_ylabel(rows.perturbation)
        panel.set_title(run.label, fontsize="medium")
        middle = (low + high) / 2
        for (i, j), value in np.ndenumerate(grid):
            colour = "black" if value > middle else "white"
            panel.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize="x-small", color=colour)
    assert image is not None  # a sweep has at least one run (the grids' min and max above need one)
    figure.colorbar(image, ax=list(panels), label="mean return", shrink=0.9)
    figure.suptitle(title, fontsize="medium")
    return png_bytes(figure)
