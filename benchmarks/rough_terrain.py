"""Rough terrain: a privileged teacher trained on terrain levels by curriculum, distilled into a student that
sees only its own noisy sensors.

Usage:
    python benchmarks/rough_terrain.py                              # train, distil, evaluate (~35 min)
    python benchmarks/rough_terrain.py --runs TEACHER STUDENT       # evaluate two finished runs
    python benchmarks/rough_terrain.py --scratch RUN                # add a student trained from scratch

Trains ``quadruped-rough-teacher`` (the ground around each foot and the sampled physics observed, terrain
levels following each env's command tracking), timed as a fresh ``rlkit train`` process, and distils it with
``rlkit distill TEACHER quadruped-rough-student`` (the same env; noisy sensors, the last 3 readings, no
terrain or physics). Then evaluates each with ``rlkit eval`` on the training terrain with its level drawn at
random every episode (``env.task.terrain.curriculum=null``: every level equally often) and on flat ground
(``env.task.terrain.levels=1``, no bumps or slope): the deterministic policy's mean return, tracking error
(m/s, the mean over steps of the planar velocity's miss) and fall rate over 20 episodes of 20 s, and the
teacher's mean terrain level at the end of training (``terrain/level_mean`` in ``metrics.csv``).

Writes ``benchmarks/results/rough_terrain.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from results_file import write_results

RESULTS = Path(__file__).resolve().parent / "results" / "rough_terrain.md"
TEACHER, STUDENT = "quadruped-rough-teacher", "quadruped-rough-student"
#: Where each run is evaluated: ``rlkit eval`` overrides.
WORLDS = {
    "rough, random level": ["env.task.terrain.curriculum=null"],
    "flat": [
        "env.task.terrain.curriculum=null",
        "env.task.terrain.levels=1",
        "env.task.terrain.roughness=0",
        "env.task.terrain.slope=0",
    ],
}


def rlkit(*args: str) -> float:
    """Run the ``rlkit`` CLI in a fresh process; its wall-clock seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rlkit.cli.main", *args], check=True, env=os.environ.copy())
    return time.perf_counter() - start


def evaluate(run: Path, world: str, output: Path) -> dict[str, Any]:
    path = output / f"eval-{run.name}-{world.split(',')[0]}.json"
    rlkit("eval", str(run), *WORLDS[world], "--output", str(path))
    return json.loads(path.read_text())


def last_level(run: Path) -> float | None:
    """The mean terrain level of the run's last training row that logged one."""
    metrics = run / "metrics.csv"
    if not metrics.exists():
        return None
    with metrics.open(newline="") as handle:
        levels = [
            row["terrain/level_mean"] for row in csv.DictReader(handle) if row.get("terrain/level_mean")
        ]
    return float(levels[-1]) if levels else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", nargs=2, type=Path, metavar=("TEACHER", "STUDENT"), help="skip training")
    parser.add_argument(
        "--scratch", type=Path, help="a run of rlkit train quadruped-rough-student, to compare"
    )
    parser.add_argument("--output", type=Path, default=Path("runs/rough-benchmark"), help="run directories")
    parser.add_argument("--note", default="", help="a line on the machine's state, for the results file")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float | None] = {"teacher": None, "student": None}
    if args.runs is None:
        teacher, student = args.output / "teacher", args.output / "student"
        seconds["teacher"] = rlkit("train", TEACHER, "--run-dir", str(teacher))
        seconds["student"] = rlkit("distill", str(teacher), STUDENT, "--run-dir", str(student))
    else:
        teacher, student = args.runs
    runs = {"teacher (privileged)": teacher, "student (distilled)": student}
    if args.scratch is not None:
        runs["student (PPO from scratch)"] = args.scratch
    results = {
        label: {world: evaluate(run, world, args.output) for world in WORLDS} for label, run in runs.items()
    }

    lines = [
        "# Rough terrain: a privileged teacher distilled into a student with the robot's sensors",
        "",
        f"Command: `python benchmarks/rough_terrain.py{' --runs ...' if args.runs else ''}"
        f"{' --scratch ...' if args.scratch else ''}`" + (f" ({args.note})" if args.note else ""),
        "",
        "Machine: 2 CPU cores. `rlkit/Quadruped-v0` on 10 terrain levels of 4 tiles of 8 m (bumps up to "
        "8 cm and pyramid slopes up to 0.2 at the top level), the full randomization, pushes, action noise "
        "and latency. Teacher: `quadruped-rough-teacher`, PPO on 512 batched envs, observes the ground "
        "around each foot and the sampled physics. Student: `quadruped-rough-student`, noisy sensors, its "
        "last 3 readings, distilled by DAgger on the batched backend. Evaluation: 20 episodes of 20 s, "
        "commands drawn from the training ranges, deterministic policy.",
        "",
        "| run | made in | teacher's final mean level |"
        + "".join(f" {world}: return / tracking (m/s) / falls |" for world in WORLDS),
        "|---|---:|---:|" + "---:|" * len(WORLDS),
    ]
    for label, run in runs.items():
        key = "teacher" if label.startswith("teacher") else "student" if "distilled" in label else None
        took = seconds.get(key) if key else None
        if took is None:  # a finished run: the time its own process measured
            took = json.loads((run / "eval.json").read_text()).get("train_wall_time")
        made = f"{took / 60:.1f} min" if took else "—"
        level = last_level(run)
        cells = "".join(
            f" {r['mean_return']:.0f} / {r['lin_vel_tracking_error']:.3f} / {r['fall_rate']:.0%} |"
            for r in results[label].values()
        )
        lines.append(f"| {label} | {made} | {'—' if level is None else f'{level:.1f}'} |{cells}")
    text = "\n".join(lines) + "\n"
    print(text)
    write_results(RESULTS, text)


if __name__ == "__main__":
    main()
