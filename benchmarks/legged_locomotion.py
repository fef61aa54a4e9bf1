"""Legged locomotion: the quadruped trained to follow velocity commands under the full sim2real stack, and
shown to transfer.

Usage:
    python benchmarks/legged_locomotion.py                         # train both runs, then evaluate (~45 min)
    python benchmarks/legged_locomotion.py --runs RUN_DR RUN_NOMINAL   # evaluate two finished runs

Trains ``quadruped-joystick-ppo`` (randomized payload, friction, PD gains, joint friction and armature,
pushes, action noise and latency, observation noise and latency) and its nominal twin
``quadruped-joystick-ppo-nominal`` (the same run with all of that off), one after the other, each as a fresh
``rlkit train`` process timed whole. Then, with ``rlkit eval``:

* each run's own evaluation (``eval.json``: 20 episodes of 20 s, commands drawn from the training ranges):
  ``lin_vel_tracking_error`` (m/s, the mean over steps of the planar velocity's miss) and ``fall_rate``;
* the robustness sweeps ``legged-physics`` (payload on the trunk × 0.8-1.3, friction × 0.4-1.2) and
  ``legged-actuation`` (PD gains × 0.8-1.2, action latency 0-2 steps) of both runs side by side: per cell the
  share of its nominal return each run keeps and its fall rate;
* the reality evaluation, what training never randomized: Euler integration, the CG solver, a 2.5 ms
  timestep, stiffer contacts (time constant 0.01 s) and a 10 ms first-order actuator lag
  (``env.simulator``), its tracking error and fall rate.

Writes ``benchmarks/results/legged_locomotion.md`` (and leaves each sweep's own ``sweep.md`` under
``--output``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from results_file import write_results

RESULTS = Path(__file__).resolve().parent / "results" / "legged_locomotion.md"
PRESETS = ("quadruped-joystick-ppo", "quadruped-joystick-ppo-nominal")
SWEEPS = ("legged-physics", "legged-actuation")
#: Episodes per sweep cell: one fall in 20 is the 5 % the issue allows.
SWEEP_EPISODES = 20
#: What training never randomized: ``rlkit eval`` overrides of ``env.simulator``.
REALITY = [
    "env.simulator.integrator=euler",
    "env.simulator.solver=cg",
    "env.simulator.timestep=0.0025",
    "env.simulator.contact_solref=[0.01, 1.0]",
    "env.simulator.actuator_lag=0.01",
]
#: The goals of the issue this benchmark answers.
TRACKING_GOAL, FALL_GOAL, KEPT_GOAL, NOMINAL_SHARE_GOAL, REALITY_TRACKING_GOAL = 0.2, 0.05, 0.8, 0.9, 0.3


def rlkit(*args: str) -> float:
    """Run the ``rlkit`` CLI in a fresh process; its wall-clock seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rlkit.cli.main", *args], check=True, env=os.environ.copy())
    return time.perf_counter() - start


def train(preset: str, output: Path) -> tuple[Path, float]:
    run = output / preset
    seconds = rlkit("train", preset, "--run-dir", str(run))
    return run, seconds


def evaluation(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def sweep(name: str, runs: list[Path], output: Path) -> dict[str, Any]:
    directory = output / "sweeps" / name
    rlkit(
        "eval",
        *map(str, runs),
        "--sweep",
        name,
        "--episodes",
        str(SWEEP_EPISODES),
        "--output",
        str(directory),
    )
    return evaluation(directory / "sweep.json")


def reality(run: Path, output: Path) -> dict[str, Any]:
    path = output / f"reality-{run.name}.json"
    rlkit("eval", str(run), *REALITY, "--output", str(path))
    return evaluation(path)


def sweep_table(result: dict[str, Any], labels: list[str]) -> list[str]:
    """One row per cell: its values, then per run the share of its nominal return kept and its fall rate."""
    axes = [axis["perturbation"] for axis in result["axes"]]
    header = [*axes, *(f"{label}: kept / falls" for label in labels)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    runs = result["runs"]
    for index, cell in enumerate(runs[0]["cells"]):
        values = [f"{cell[axis]:g}" for axis in axes]
        entries = []
        for run in runs:
            other = run["cells"][index]
            kept = "—" if other["kept"] is None else f"{other['kept']:.0%}"
            entries.append(f"{kept} / {other.get('fall_rate', 0.0):.0%}")
        lines.append("| " + " | ".join(values + entries) + " |")
    return lines


def worst(result: dict[str, Any], run: int) -> tuple[float, float]:
    """A run's smallest kept share and largest fall rate over the cells of a sweep."""
    cells = result["runs"][run]["cells"]
    kept = min(cell["kept"] if cell["kept"] is not None else 0.0 for cell in cells)
    return kept, max(cell.get("fall_rate", 0.0) for cell in cells)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", nargs=2, type=Path, metavar=("RUN_DR", "RUN_NOMINAL"), help="skip training")
    parser.add_argument("--output", type=Path, default=Path("runs/legged-benchmark"), help="run directories")
    parser.add_argument("--note", default="", help="a line on the machine's state, for the results file")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float | None] = {}
    if args.runs is None:
        runs = []
        for preset in PRESETS:
            run, took = train(preset, args.output)
            runs.append(run)
            seconds[preset] = took
    else:
        runs = list(args.runs)
        seconds = dict.fromkeys(PRESETS)
    labels = ["randomized", "nominal"]
    evals = [evaluation(run / "eval.json") for run in runs]
    sweeps = {name: sweep(name, runs, args.output) for name in SWEEPS}
    realities = [reality(run, args.output) for run in runs]

    dr = evals[0]
    # "Its own nominal return": each policy in the nominal world (every randomization, noise and delay off),
    # the sweeps' baseline cell, the same episodes for both runs.
    baseline = sweeps[SWEEPS[0]]
    nominal_returns = [run["nominal"]["mean_return"] for run in baseline["runs"]]
    share = nominal_returns[0] / nominal_returns[1]
    lines = [
        "# Legged locomotion: a quadruped following velocity commands, trained under the full sim2real stack",
        "",
        f"Command: `python benchmarks/legged_locomotion.py{' --runs ...' if args.runs else ''}`"
        + (f" ({args.note})" if args.note else ""),
        "",
        "Machine: 2 CPU cores. `rlkit/Quadruped-v0` (a Go1-sized quadruped, 50 Hz control, 20 s "
        f"episodes), PPO on 512 batched envs for {evals[0]['env_steps'] / 1e6:.0f}M steps. "
        "Each run's evaluation: 20 episodes with "
        "commands drawn from the training ranges (forward ±1 m/s, lateral ±0.5 m/s, yaw ±1 rad/s, 10 % "
        "standing), deterministic policy; tracking error = mean over steps of |commanded − actual planar "
        "base velocity|; fall rate = episodes ended by a termination / episodes.",
        "",
        "| run | preset | training wall time | env steps | mean return | tracking error (m/s) | fall rate |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, preset, result in zip(labels, PRESETS, evals, strict=True):
        took = seconds.get(preset)
        wall = (
            f"{took / 60:.1f} min (process)"
            if took
            else f"{result['train_wall_time'] / 60:.1f} min (training)"
        )
        lines.append(
            f"| {label} | `{preset}` | {wall} | {result['env_steps']:,} | {result['mean_return']:.0f} | "
            f"{result['lin_vel_tracking_error']:.3f} | {result['fall_rate']:.0%} |"
        )
    lines += [
        "",
        f"In the nominal world (the sweeps' baseline: every randomization, noise and delay off, "
        f"{baseline['episodes']} episodes) the randomized policy returns {nominal_returns[0]:.0f}, "
        f"{share:.0%} of the nominal twin's {nominal_returns[1]:.0f} (goal ≥ {NOMINAL_SHARE_GOAL:.0%}). "
        f"In its own randomized world its tracking error is {dr['lin_vel_tracking_error']:.3f} m/s (goal ≤ "
        f"{TRACKING_GOAL}) with {dr['fall_rate']:.0%} falls (goal: none).",
        "",
    ]
    for name, result in sweeps.items():
        kept, falls = worst(result, 0)
        lines += [
            f"## Robustness: `rlkit eval RUN_DR RUN_NOMINAL --sweep {name}`",
            "",
            f"{result['episodes']} episodes per cell, the same seeds in every cell, the nominal world "
            "as baseline. Each entry: the share of the run's own nominal return it keeps / the share of "
            f"episodes that fell. Randomized run, worst cell: keeps {kept:.0%} (goal ≥ "
            f"{KEPT_GOAL:.0%}), falls {falls:.0%} (goal ≤ {FALL_GOAL:.0%}).",
            "",
            *sweep_table(result, labels),
            "",
        ]
    lines += [
        "## Reality: what training never randomized",
        "",
        "`rlkit eval RUN " + " ".join(f"'{override}'" for override in REALITY) + "`: Euler integration, "
        "the CG solver, a 2.5 ms timestep (the control period kept), stiffer contacts and a 10 ms "
        "first-order actuator lag. Goal for the randomized run: tracking error ≤ "
        f"{REALITY_TRACKING_GOAL} m/s, falls ≤ {FALL_GOAL:.0%}.",
        "",
        "| run | mean return | tracking error (m/s) | fall rate |",
        "|---|---:|---:|---:|",
    ]
    for label, result in zip(labels, realities, strict=True):
        lines.append(
            f"| {label} | {result['mean_return']:.0f} | {result['lin_vel_tracking_error']:.3f} | "
            f"{result['fall_rate']:.0%} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    write_results(RESULTS, text)


if __name__ == "__main__":
    main()
