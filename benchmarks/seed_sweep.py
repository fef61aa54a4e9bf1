"""Train a preset over several seeds and report each seed's final deterministic eval return.

Usage:
    python benchmarks/seed_sweep.py cartpole-ppo --seeds 5 [KEY=VALUE ...]

Each seed is a separate ``rlkit train`` process (whole-process wall time, as a user would run it). The table
is printed and written to ``benchmarks/results/seed_sweep_<preset>.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_file import write_results

RESULTS = Path(__file__).resolve().parent / "results"


def train_seed(preset: str, seed: int, overrides: list[str], root: Path) -> dict:
    run_dir = root / f"{preset}-seed{seed}"
    start = time.perf_counter()
    command = [
        sys.executable,
        "-m",
        "rlkit",
        "train",
        preset,
        f"train.seed={seed}",
        "log.progress=false",
        *overrides,
        "--run-dir",
        str(run_dir),
    ]
    subprocess.run(command, check=True, capture_output=True, text=True)
    summary = json.loads((run_dir / "eval.json").read_text())
    summary["process_seconds"] = time.perf_counter() - start
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset")
    parser.add_argument("overrides", nargs="*")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=475.0, help="return a seed must reach")
    parser.add_argument(
        "--output", type=Path, default=None, help="results file (default: results/seed_sweep_<preset>.md)"
    )
    args = parser.parse_args()
    lines = [
        f"# {args.preset}: {args.seeds} seeds",
        "",
        "command: `"
        + " ".join(
            ["python benchmarks/seed_sweep.py", args.preset, f"--seeds {args.seeds}"]
            + ([f"--threshold {args.threshold:g}"] if args.threshold != 475.0 else [])
            + args.overrides
        )
        + "`",
        "",
        "| seed | env steps | eval return (mean ± std over episodes) | process s |",
        "|---|---|---|---|",
    ]
    reached = 0
    finals = []
    with tempfile.TemporaryDirectory() as root:
        for seed in range(args.seeds):
            s = train_seed(args.preset, seed, args.overrides, Path(root))
            reached += s["mean_return"] >= args.threshold
            finals.append(s["mean_return"])
            lines.append(
                f"| {seed} | {s['env_steps']:,} | {s['mean_return']:.1f} ± {s['std_return']:.1f} "
                f"| {s['process_seconds']:.1f} |"
            )
            print(lines[-1], flush=True)
    spread = statistics.stdev(finals) if len(finals) > 1 else 0.0
    lines += [
        "",
        f"Final eval return over seeds: {statistics.mean(finals):.1f} ± {spread:.1f} (mean ± std).",
        f"{reached} of {args.seeds} seeds reached a mean eval return ≥ {args.threshold:g}.",
    ]
    write_results(args.output or RESULTS / f"seed_sweep_{args.preset}.md", "\n".join(lines))
    print("\n".join(lines[-2:]))


if __name__ == "__main__":
    main()
