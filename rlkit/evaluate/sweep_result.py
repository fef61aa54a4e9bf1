"""What a robustness sweep produced: every run's cells on the sweep's grid, and how much of its nominal return
a policy keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rlkit.config.sweep import SweepConfig

#: What a cell reports: its values (one per axis) and its evaluation summary.
Cell = dict[str, Any]


@dataclass
class RunSweep:
    """One run's results: the nominal cell and every cell of the grid, in grid order (last axis fastest)."""

    label: str
    checkpoint: str
    env_steps: int
    nominal: Cell
    cells: list[Cell] = field(default_factory=list)


@dataclass
class SweepResult:
    """A sweep's grid and every run's results on it."""

    sweep: SweepConfig
    seed: int
    episodes: int
    runs: list[RunSweep]

    @property
    def shape(self) -> tuple[int, ...]:
        """Values per axis."""
        return tuple(len(axis.values) for axis in self.sweep.axes)

    def grid(self, run: RunSweep, key: str = "mean_return") -> list[list[float]]:
        """``key`` of every cell as rows (first axis) × columns (second axis; one column for one axis)."""
        columns = self.shape[1] if len(self.shape) == 2 else 1
        values = [cell[key] for cell in run.cells]
        return [values[i : i + columns] for i in range(0, len(values), columns)]

    def to_json(self) -> dict[str, Any]:
        """Everything ``sweep.json`` holds."""
        return {
            "sweep": self.sweep.name,
            "baseline": self.sweep.baseline,
            "episodes": self.episodes,
            "seed": self.seed,
            "axes": [
                {"perturbation": a.perturbation, "values": a.values, "nominal": a.nominal}
                for a in self.sweep.axes
            ],
            "runs": [
                {
                    "run": run.label,
                    "checkpoint": run.checkpoint,
                    "env_steps": run.env_steps,
                    "nominal": run.nominal,
                    "cells": run.cells,
                }
                for run in self.runs
            ],
        }


def kept_fraction(value: float, nominal: float) -> float | None:
    """How much of its nominal return a policy keeps: ``value / nominal`` for positive returns.

    For negative returns (costs, as on Pendulum) it is ``nominal / value``, so it is also 1 at nominal and
    falls as the cost grows. None when the two differ in sign or the nominal return is 0.
    """
    if nominal > 0 and value >= 0:
        return value / nominal
    if nominal < 0 and value < 0:
        return nominal / value
    return None
