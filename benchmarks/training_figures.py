"""Rerun the training figures the README quotes, each as a user would run it, and write them with the commit.

Usage:
    python benchmarks/training_figures.py                      # every job below, in order
    python benchmarks/training_figures.py --jobs swingup arm   # some of them
    python benchmarks/training_figures.py --list

Each job is one or more ``rlkit train`` (or ``rlkit distill``) processes on seed 0 unless it names its
seeds; the table gives the env steps trained, whole-process wall time and the final deterministic
evaluation (``eval.json``), and for several seeds their mean and spread. Results go to
``benchmarks/results/training_figures.md`` (jobs not rerun keep their previous rows).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from results_file import git, write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "training_figures.md"
QUIET = ["log.progress=false", "log.tensorboard=false"]


@dataclass(frozen=True)
class Job:
    """A README figure: what to train, on which seeds, and (for distillation) the teacher to train first."""

    what: str
    source: str
    overrides: tuple[str, ...] = ()
    seeds: tuple[int, ...] = (0,)
    teacher: str | None = None  # a preset trained first; then `rlkit distill TEACHER source`
    resume_to: int | None = None  # then `rlkit train --resume RUN train.total_steps=N`, scored as well
    notes: list[str] = field(default_factory=list)


JOBS: dict[str, Job] = {
    "swingup": Job("PPO, rlkit/CartPoleSwingup-v0", "cartpole-swingup-ppo"),
    "teacher": Job("PPO teacher, rlkit/CartPoleBalance-v0 (state and physics)", "cartpole-balance-teacher"),
    "reacher": Job("PPO, rlkit/Reacher-v0", "reacher-ppo"),
    "walker": Job("PPO, rlkit/Walker-v0", "walker-ppo"),
    "walker-sim2real": Job("PPO, rlkit/Walker-v0 with the sim2real stack", "walker-ppo-sim2real"),
    "arm": Job("PPO, examples/custom_robot/arm.yaml", "examples/custom_robot/arm.yaml"),
    "point-mass": Job("PPO, examples/custom_env/point_mass.yaml", "examples/custom_env/point_mass.yaml"),
    "pixels-ppo-25k": Job(
        "pixel PPO, 25k steps",
        "cartpole-balance-pixels-ppo",
        ("train.total_steps=25000", "train.target_return=null"),
        seeds=(0, 1, 2),
    ),
    "pixels-ppo-100k": Job(
        "pixel PPO, 100k steps",
        "cartpole-balance-pixels-ppo",
        ("train.total_steps=100000", "train.target_return=null"),
    ),
    "pixels-vr": Job(
        "pixel PPO with visual randomization, 100k steps, then resumed to 200k",
        "cartpole-balance-pixels-ppo-randomized",
        resume_to=200_000,
    ),
    "pixels-dqn-25k": Job(
        "pixel DQN, 25k steps", "cartpole-balance-pixels-dqn", ("train.total_steps=25000",), seeds=(0, 1, 2)
    ),
    "pixels-dqn-100k": Job("pixel DQN, 100k steps", "cartpole-balance-pixels-dqn"),
    "student-ppo": Job("PPO from scratch on the student's env", "cartpole-balance-student"),
    "student-distilled": Job(
        "DAgger student (noisy, late sensors) from the teacher",
        "cartpole-balance-student",
        teacher="cartpole-balance-teacher",
    ),
    "pixels-student-distilled": Job(
        "DAgger student (48x48 camera only) from the teacher",
        "cartpole-balance-pixels-student",
        teacher="cartpole-balance-teacher",
    ),
}


def run(command: list[str]) -> float:
    """Run ``command`` from the repository root; returns its wall time in seconds."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def run_job(name: str, job: Job, seed: int, root: Path) -> dict:
    """Train (or distil) one seed of ``job``; returns its eval.json with the wall time added."""
    rlkit = [sys.executable, "-m", "rlkit"]
    run_dir = root / f"{name}-{seed}"
    overrides = [*job.overrides, f"train.seed={seed}", *QUIET]
    if job.teacher is None:
        seconds = run([*rlkit, "train", job.source, *overrides, "--run-dir", str(run_dir)])
    else:
        teacher = root / f"teacher-{seed}"
        run([*rlkit, "train", job.teacher, f"train.seed={seed}", *QUIET, "--run-dir", str(teacher)])
        seconds = run([*rlkit, "distill", str(teacher), job.source, *overrides, "--run-dir", str(run_dir)])
    summary = json.loads((run_dir / "eval.json").read_text())
    if job.resume_to is not None:
        first = summary
        seconds += run(
            [*rlkit, "train", "--resume", str(run_dir), f"train.total_steps={job.resume_to}", *QUIET]
        )
        summary = json.loads((run_dir / "eval.json").read_text())
        summary["before_resume"] = first
    summary["seconds"] = seconds
    return summary


def row(name: str, job: Job, results: list[dict]) -> str:
    returns = [r["mean_return"] for r in results]
    command = (
        f"`rlkit {'distill <teacher> ' if job.teacher else 'train '}{job.source} {' '.join(job.overrides)}`"
    )
    if len(results) == 1:
        r = results[0]
        spread = f" ± {r['std_return']:.1f} (over episodes)" if "std_return" in r else ""
        score = f"{r['mean_return']:.1f}{spread}"
        if "before_resume" in r:
            first = r["before_resume"]
            score = f"{first['mean_return']:.1f} at {first['env_steps']:,} steps, then {score}"
    else:
        per_seed = ", ".join(f"{value:.1f}" for value in returns)
        score = f"{statistics.mean(returns):.1f} ± {statistics.stdev(returns):.1f} over seeds ({per_seed})"
    steps = "/".join(sorted({f"{r['env_steps']:,}" for r in results}))
    seconds = "/".join(f"{r['seconds']:.0f}" for r in results)
    seeds = ",".join(map(str, job.seeds))
    commit = git("rev-parse", "--short=12", "HEAD")
    return (
        f"| {name} | {job.what} | {command.replace('  ', ' ')} | {seeds} | {steps} | {seconds} | {score} "
        f"| `{commit}` |"
    )


def previous_rows() -> dict[str, str]:
    """Rows of the results file already there, by job name, so that a partial rerun keeps the others."""
    if not RESULTS.is_file():
        return {}
    rows = {}
    for line in RESULTS.read_text().splitlines():
        match = re.match(r"\| ([\w-]+) \|", line)
        if match and match.group(1) in JOBS:
            rows[match.group(1)] = line
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", nargs="+", choices=list(JOBS), default=list(JOBS))
    parser.add_argument("--list", action="store_true", help="list the jobs and exit")
    parser.add_argument(
        "--keep", type=Path, help="keep the run directories here (JOB-SEED), e.g. for the robustness scripts"
    )
    args = parser.parse_args()
    if args.list:
        for name, job in JOBS.items():
            print(f"{name}: {job.what}")
        return
    rows = previous_rows()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        for name in args.jobs:  # the file is rewritten after each job: a failure keeps what was measured
            job = JOBS[name]
            rows[name] = row(name, job, [run_job(name, job, seed, root) for seed in job.seeds])
            print(rows[name], flush=True)
            write_table(rows)


def write_table(rows: dict[str, str]) -> None:
    """Write the results file with the rows measured so far, in the order of :data:`JOBS`."""
    lines = [
        "# Training figures quoted in the README",
        "",
        "`python benchmarks/training_figures.py` (`--jobs` reruns some; rows of jobs not rerun stay as they "
        "were). Each seed is a separate process on a 2-core x86_64 CPU; wall time is the whole process "
        "(start-up and final evaluation included), per seed; the return is the final deterministic "
        "evaluation over the preset's `eval.episodes`; each row names the commit it was measured on.",
        "",
        "| job | what | command | seeds | env steps | wall s | eval return | commit |",
        "|---|---|---|---|---:|---:|---|---|",
        *(rows[name] for name in JOBS if name in rows),
    ]
    write_results(RESULTS, "\n".join(lines))


if __name__ == "__main__":
    main()
