"""Soak: a long subprocess-backend training run whose env workers are SIGKILLed at random.

A thread in the driver kills one of the rollout workers every few seconds; the subprocess backend replaces
it and truncates its envs' episodes. The run must keep training and lose nothing:

* every worker killed is counted as a restart (``rollout/worker_restarts`` in ``metrics.csv``);
* the run ends at exactly ``train.total_steps`` env steps;
* the agent recorded exactly one transition per env step (none lost, none duplicated);
* the final policy still learned (its evaluation return).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/soak.py --minutes 3

Writes ``benchmarks/results/soak.md``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any

from results_file import write_results

from rlkit.config.loading import load_config
from rlkit.training.trainer import Trainer

RESULTS = Path(__file__).parent / "results" / "soak.md"
OVERRIDES = [
    "rollout.backend=subprocess",
    "rollout.num_workers=2",
    "train.target_return=null",
    "train.device=cpu",
    "train.torch_threads=1",
    "eval.interval=0",
    "log.progress=false",
    "log.tensorboard=false",
    "log.interval=5000",
]


class WorkerKiller(threading.Thread):
    """SIGKILLs a random rollout worker every ``low``-``high`` seconds until stopped."""

    def __init__(self, trainer: Trainer, low: float, high: float, stop_at: int, seed: int) -> None:
        super().__init__(daemon=True)
        self.trainer, self.low, self.high, self.stop_at = trainer, low, high, stop_at
        self.rng = random.Random(seed)
        self.kills = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.rng.uniform(self.low, self.high)):
            # no kills near the end, so that every kill is seen by a step before the envs close
            if self.trainer.state.env_steps >= self.stop_at:
                return
            worker = self.rng.choice(self.trainer.env._workers)
            pid = worker.process.pid
            if pid is None or not worker.process.is_alive():
                continue
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            self.kills += 1


def steps_per_second(preset: str, steps: int = 16384) -> float:
    """Training speed with the soak's settings and no kills, over a short run of ``steps``."""
    config = load_config(preset, [*OVERRIDES, f"train.total_steps={steps}"])
    with tempfile.TemporaryDirectory() as tmp:
        outcome = Trainer(config, Path(tmp)).run()
    return outcome.env_steps / outcome.wall_time


def soak(preset: str, minutes: float, low: float, high: float, seed: int) -> dict[str, Any]:
    speed = steps_per_second(preset)
    batch = 1024  # a multiple of every preset's num_envs × rollout length
    total = max(batch, int(speed * minutes * 60) // batch * batch)
    config = load_config(preset, [*OVERRIDES, f"train.total_steps={total}", f"train.seed={seed}"])
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "run"
        trainer = Trainer(config, run_dir)
        recorded = {"transitions": 0, "calls": 0}
        record = trainer.agent.record

        def counting_record(result: Any) -> Any:
            recorded["calls"] += 1
            recorded["transitions"] += len(result.rewards)
            return record(result)

        trainer.agent.record = counting_record  # type: ignore[method-assign]
        killer = WorkerKiller(trainer, low, high, stop_at=int(total * 0.97), seed=seed)
        killer.start()
        outcome = trainer.run()
        killer.stopped.set()
        killer.join()
        with (run_dir / "metrics.csv").open() as handle:
            rows = list(csv.DictReader(handle))
        evaluation = trainer.evaluate()
    return {
        "preset": preset,
        "total_steps": total,
        "num_envs": config.rollout.num_envs,
        "calibrated_steps_per_second": speed,
        "env_steps": outcome.env_steps,
        "wall_time": outcome.wall_time,
        "workers_killed": killer.kills,
        "restarts_in_metrics": int(rows[-1]["rollout/worker_restarts"]),
        "restarts_counted_by_env": trainer.env.worker_restarts,
        "transitions_recorded": recorded["transitions"],
        "record_calls": recorded["calls"],
        "episodes": int(rows[-1]["episodes"]),
        "train_return_mean": float(rows[-1]["return_mean"]),
        "eval_return_mean": evaluation["mean_return"],
        "eval_return_std": evaluation["std_return"],
        "eval_episodes": evaluation["episodes"],
    }


def report(result: dict[str, Any], command: str) -> str:
    r = result
    checks = [
        ("env steps == train.total_steps", r["env_steps"] == r["total_steps"]),
        ("restarts in metrics.csv == workers killed", r["restarts_in_metrics"] == r["workers_killed"]),
        ("vector env restarts == workers killed", r["restarts_counted_by_env"] == r["workers_killed"]),
        ("transitions recorded by the agent == env steps", r["transitions_recorded"] == r["env_steps"]),
        ("record calls × num_envs == env steps", r["record_calls"] * r["num_envs"] == r["env_steps"]),
    ]
    lines = [
        "# Soak: training while rollout workers are SIGKILLed",
        "",
        f"`{command}`",
        "",
        f"{r['preset']}, `rollout.backend=subprocess`, 2 workers × {r['num_envs'] // 2} envs; "
        "a driver thread SIGKILLs a random worker every few seconds (none in the last 3% of steps).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| wall time | {r['wall_time']:.0f} s |",
        f"| env steps (train.total_steps) | {r['env_steps']:,} ({r['total_steps']:,}) |",
        f"| speed | {r['env_steps'] / r['wall_time']:,.0f} steps/s "
        f"(calibration without kills: {r['calibrated_steps_per_second']:,.0f}) |",
        f"| workers killed | {r['workers_killed']} |",
        f"| rollout/worker_restarts in metrics.csv | {r['restarts_in_metrics']} |",
        f"| transitions recorded by the agent | {r['transitions_recorded']:,} |",
        f"| episodes | {r['episodes']:,} (last window's training return {r['train_return_mean']:.1f}) |",
        f"| final eval return | {r['eval_return_mean']:.1f} ± {r['eval_return_std']:.1f} "
        f"over {r['eval_episodes']} episodes |",
        "",
        "| check | result |",
        "|---|---|",
        *(f"| {name} | {'pass' if ok else 'FAIL'} |" for name, ok in checks),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="cartpole-ppo")
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the run (default: 5)")
    parser.add_argument(
        "--kill-every",
        type=float,
        nargs=2,
        default=(2.0, 6.0),
        metavar=("MIN", "MAX"),
        help="seconds between kills, uniform in [MIN, MAX] (default: 2 6)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = soak(args.preset, args.minutes, *args.kill_every, args.seed)
    command = f"python benchmarks/soak.py --minutes {args.minutes:g}"
    text = report(result, command)
    write_results(args.output, text)
    print(text)
    failed = [line for line in text.splitlines() if line.endswith("FAIL |")]
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
