"""Time to return: whole-process wall-clock seconds until the deterministic evaluation first reaches a target.

Usage:
    python benchmarks/time_to_return.py                                   # every goal, seeds 0-2
    python benchmarks/time_to_return.py --goals halfcheetah --seeds 1
    python benchmarks/time_to_return.py --list                            # the goals and their contenders

The figure a user feels: start a training process, wait until its policy is good enough. For each goal (an
env and one or more target returns), every rlkit contender (a preset and its overrides, any agent) and every
Stable-Baselines3 contender (PPO and SAC with rl-zoo3's tuned hyperparameters for the env) trains with the
same seed and evaluates its deterministic policy on ``episodes`` episodes every ``interval`` env steps. This
script starts each one as a fresh ``python`` process, watches its evaluations as they are written, and notes
the seconds since the start at which the mean return first reaches each target (start-up and evaluations
included); the process stops at the last target, or at its step budget (then the targets it did not reach
are not reached). Contenders alternate seed by seed, so drift in the machine's load hits them alike. The table
gives, per target and contender, the median seconds over seeds, and the ratio of the faster SB3 contender's
median to rlkit's fastest contender's.

A contender still short of the last target at ``--cap`` times the fastest time to it of that seed so far is
stopped there (``--cap 0`` never stops one): the first contender listed runs uncapped, so the cap bounds the
clock without deciding a ratio below it. A stopped run's seconds are a lower bound on its time to each target
it had not reached, and so is a median that falls on one (shown with ``>``), and the ratio it gives (``≥``).

rlkit evaluates as it does in every run (on ``eval.episodes`` episodes, env seeds apart from training's) and
stops through its own ``train.target_return``. SB3 evaluates through ``evaluate_policy`` on a separate env
with the training normalization statistics frozen, the way rl-zoo3 does.

The walker goal trains SB3 on rlkit's own env with the whole sim2real stack of ``walker-ppo-sim2real``
(``rlkit.envs.make_env``), with rl-zoo3's Walker2d PPO and SAC settings.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from results_file import write_results

RESULTS = Path(__file__).resolve().parent / "results"

#: The SB3 side: ``python -c SB3_PROGRAM ALGO ENV TARGET BUDGET INTERVAL EPISODES SEED`` prints each
#: evaluation as a JSON line (``{"steps": ..., "return": ...}``) and stops at the first to reach TARGET.
#: ENV is a Gymnasium id or ``rlkit:PRESET`` (the preset's env, built by rlkit).
SB3_PROGRAM = textwrap.dedent(
    """
    import json, sys
    import gymnasium as gym
    import torch
    from stable_baselines3 import PPO, SAC
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.vec_env import VecNormalize

    algo, env_name, target = sys.argv[1], sys.argv[2], float(sys.argv[3])
    budget, interval, episodes, seed = (int(value) for value in sys.argv[4:8])

    if env_name.startswith("rlkit:"):
        from rlkit.config.loading import load_named_config
        from rlkit.envs import make_env
        env_config = load_named_config(env_name[len("rlkit:"):])[0].env
        make = lambda: make_env(env_config)
    else:
        make = env_name

    def linear(start):
        return lambda progress_remaining: progress_remaining * start

    normalize = None
    if algo == "ppo" and env_name == "HalfCheetah-v5":  # rl-zoo3 ppo.yml HalfCheetah-v4
        normalize = dict(norm_obs=True, norm_reward=True, gamma=0.98)
        env = VecNormalize(make_vec_env(make, n_envs=1, seed=seed), **normalize)
        model = PPO("MlpPolicy", env, n_steps=512, batch_size=64, gamma=0.98, learning_rate=2.0633e-5,
                    ent_coef=0.000401762, clip_range=0.1, n_epochs=20, gae_lambda=0.92, max_grad_norm=0.8,
                    vf_coef=0.58096, policy_kwargs=dict(log_std_init=-2, ortho_init=False,
                    activation_fn=torch.nn.ReLU, net_arch=dict(pi=[256, 256], vf=[256, 256])),
                    seed=seed, device="cpu")
    elif algo == "ppo":  # rl-zoo3 ppo.yml Walker2d-v4
        normalize = dict(norm_obs=True, norm_reward=True)
        env = VecNormalize(make_vec_env(make, n_envs=1, seed=seed), **normalize)
        model = PPO("MlpPolicy", env, n_steps=512, batch_size=32, gamma=0.99, learning_rate=5.05041e-05,
                    ent_coef=0.000585045, clip_range=0.1, n_epochs=20, gae_lambda=0.95, max_grad_norm=1,
                    vf_coef=0.871923, policy_kwargs=dict(log_std_init=-2, ortho_init=False,
                    activation_fn=torch.nn.ReLU, net_arch=dict(pi=[256, 256], vf=[256, 256])),
                    seed=seed, device="cpu")
    elif algo == "sac":  # rl-zoo3 sac.yml HalfCheetah-v4 / Walker2d-v4
        env = make_vec_env(make, n_envs=1, seed=seed)
        model = SAC("MlpPolicy", env, learning_rate=3e-4, buffer_size=1000000, learning_starts=10000,
                    batch_size=256, tau=0.005, gamma=0.99, train_freq=1, gradient_steps=1,
                    policy_kwargs=dict(net_arch=[256, 256]), seed=seed, device="cpu")
    else:
        raise SystemExit(f"unknown algorithm {algo}")

    eval_env = make_vec_env(make, n_envs=1, seed=seed + 1_000_000)
    if normalize is not None:  # the training statistics, frozen; returns are the env's own
        eval_env = VecNormalize(eval_env, training=False, norm_obs=True, norm_reward=False)

    class StopAtTarget(BaseCallback):
        def _on_step(self):
            if self.num_timesteps % interval:
                return True
            if normalize is not None:
                eval_env.obs_rms = self.model.get_env().obs_rms
            mean, _ = evaluate_policy(self.model, eval_env, n_eval_episodes=episodes, deterministic=True)
            print(json.dumps({"steps": self.num_timesteps, "return": float(mean)}), flush=True)
            return mean < target

    model.learn(budget, callback=StopAtTarget())
    """
)


@dataclass(frozen=True)
class Contender:
    """One way to train toward a goal: an rlkit preset with overrides, or an SB3 algorithm."""

    label: str
    library: str  # "rlkit" or "sb3"
    name: str  # the rlkit preset, or the SB3 algorithm (ppo, sac)
    overrides: tuple[str, ...] = ()
    interval: int | None = None  # env steps between evaluations (None: the goal's)


@dataclass(frozen=True)
class Goal:
    """Target returns on an env, the step budget to reach them in, and who tries."""

    name: str
    title: str
    sb3_env: str
    targets: tuple[float, ...]  # ascending; a run stops at the last
    budget: int
    interval: int
    episodes: int
    contenders: tuple[Contender, ...]


GOALS = {
    goal.name: goal
    for goal in (
        Goal(
            "halfcheetah",
            "HalfCheetah-v5",
            "HalfCheetah-v5",
            (3000, 5000),
            10_000_000,
            10_000,
            5,
            (
                Contender(
                    "rlkit PPO, halfcheetah-ppo-fast", "rlkit", "halfcheetah-ppo-fast", interval=100_000
                ),
                Contender("SB3 PPO", "sb3", "ppo"),
                Contender("SB3 SAC", "sb3", "sac"),
            ),
        ),
        Goal(
            "walker-sim2real",
            "rlkit/Walker-v0 with the sim2real stack of walker-ppo-sim2real",
            "rlkit:walker-ppo-sim2real",
            (500,),
            10_000_000,
            50_000,
            5,
            (
                Contender(
                    "rlkit PPO, walker-ppo-sim2real-fast",
                    "rlkit",
                    "walker-ppo-sim2real-fast",
                    interval=100_000,
                ),
                Contender("SB3 PPO", "sb3", "ppo"),
                Contender("SB3 SAC", "sb3", "sac"),
            ),
        ),
    )
}

#: How often the script looks at a running contender's evaluations, in seconds.
POLL_SECONDS = 0.2


def command(goal: Goal, contender: Contender, seed: int, run_dir: Path) -> list[str]:
    """The command line that trains ``contender`` toward ``goal``'s last target."""
    interval = contender.interval or goal.interval
    if contender.library == "sb3":
        arguments = [goal.targets[-1], goal.budget, interval, goal.episodes, seed]
        return [sys.executable, "-c", SB3_PROGRAM, contender.name, goal.sb3_env, *map(str, arguments)]
    return [
        sys.executable,
        "-m",
        "rlkit",
        "train",
        contender.name,
        f"train.total_steps={goal.budget}",
        f"train.seed={seed}",
        f"train.target_return={goal.targets[-1]}",
        f"eval.interval={interval}",
        f"eval.episodes={goal.episodes}",
        "train.checkpoint_interval=1000000000",
        "log.progress=false",
        "log.tensorboard=false",
        *contender.overrides,
        "--run-dir",
        str(run_dir),
    ]


def evaluations(contender: Contender, run_dir: Path) -> list[tuple[int, float]]:
    """The (env steps, mean return) of every evaluation written so far."""
    if contender.library == "sb3":
        path = run_dir / "stdout.txt"
        lines = path.read_text().splitlines() if path.is_file() else []
        found = [json.loads(line) for line in lines if line.startswith("{")]
        return [(e["steps"], e["return"]) for e in found]
    path = run_dir / "metrics.csv"
    if not path.is_file():
        return []
    with path.open() as file:
        rows = list(csv.DictReader(file))
    return [(int(r["env_steps"]), float(r["eval/return_mean"])) for r in rows if r.get("eval/return_mean")]


def run(goal: Goal, contender: Contender, seed: int, root: Path, limit: float | None) -> dict:
    """Train ``contender`` toward ``goal`` in a fresh process, watching its evaluations.

    Returns:
        ``seconds`` (the whole process), ``stopped`` (at ``limit``), and ``reached``: for each target reached,
        the seconds since the start at which an evaluation first reached it and that evaluation's env steps.
    """
    run_dir = root / f"{goal.name}-{contender.library}-{contender.name}-{seed}"
    run_dir.mkdir(parents=True)
    reached: dict[float, tuple[float, int]] = {}
    stopped = False
    start = time.perf_counter()
    with (run_dir / "stdout.txt").open("w") as out, (run_dir / "stderr.txt").open("w") as err:
        process = subprocess.Popen(command(goal, contender, seed, run_dir), stdout=out, stderr=err)
        while True:
            finished = process.poll() is not None  # before reading, so the last evaluation is read
            now = time.perf_counter() - start
            for steps, mean in evaluations(contender, run_dir):
                for target in goal.targets:
                    if mean >= target and target not in reached:
                        reached[target] = (now, steps)
            if finished or goal.targets[-1] in reached:
                break
            if limit is not None and now > limit:
                process.kill()
                stopped = True
                break
            time.sleep(POLL_SECONDS)
        process.wait()
    seconds = time.perf_counter() - start
    if process.returncode != 0 and not stopped and goal.targets[-1] not in reached:
        tail = (run_dir / "stderr.txt").read_text()[-2000:]
        raise SystemExit(f"{contender.label} seed {seed} failed (exit {process.returncode}):\n{tail}")
    return {"seconds": seconds, "stopped": stopped, "reached": reached}


def toward(result: dict, target: float) -> dict:
    """One run's outcome for one target: seconds to it (or the run's seconds), steps (None: not reached)."""
    if target in result["reached"]:
        seconds, steps = result["reached"][target]
        return {"seconds": seconds, "steps": steps, "stopped": False}
    return {"seconds": result["seconds"], "steps": None, "stopped": result["stopped"]}


def median_seconds(runs: list[dict]) -> tuple[float, bool] | None:
    """The median time to the target over all runs and whether it is only a lower bound; None if it falls on
    a run that spent its whole step budget without reaching the target.

    A stopped run's time to the target is more than its seconds, so it sorts as its seconds and the median is
    a lower bound unless every stopped run sorts above the median's place.
    """
    ordered = sorted(
        (math.inf if r["steps"] is None and not r["stopped"] else r["seconds"], r["steps"] is None)
        for r in runs
    )
    middle = len(ordered) // 2
    places = [middle - 1, middle] if len(ordered) % 2 == 0 else [middle]
    median = statistics.mean(ordered[i][0] for i in places)
    if math.isinf(median):
        return None
    return median, any(lower for _, lower in ordered[: places[-1] + 1])


def table(goal: Goal, target: float, results: dict[str, list[dict]], seeds: int) -> list[str]:
    """The Markdown rows of one target: one per contender, then the ratio."""
    lines = [
        f"### {goal.title} to {target:,.0f}",
        "",
        "| contender | reached (seeds) | median seconds | per seed: seconds (env steps) |",
        "|---|---:|---:|---|",
    ]
    runs = {label: [toward(r, target) for r in outcomes] for label, outcomes in results.items()}
    for contender in goal.contenders:
        reached = sum(r["steps"] is not None for r in runs[contender.label])
        median = median_seconds(runs[contender.label])
        cells = ", ".join(run_cell(r) for r in runs[contender.label])
        shown = "—" if median is None else f"{'>' if median[1] else ''}{median[0]:.0f}"
        lines.append(f"| {contender.label} | {reached}/{seeds} | {shown} | {cells} |")
    rlkit, sb3 = (fastest(goal, runs, library) for library in ("rlkit", "sb3"))
    if rlkit is not None and not rlkit[1] and sb3 is not None:
        bound = "≥ " if sb3[1] else ""
        lines += ["", f"rlkit's fastest is **{bound}{sb3[0] / rlkit[0]:.1f}×** faster than SB3's fastest."]
    return [*lines, ""]


def run_cell(run: dict) -> str:
    """One run's seconds and what became of it: the env steps at the goal, stopped, or out of steps."""
    if run["steps"] is not None:
        return f"{run['seconds']:.0f} ({run['steps']:,})"
    return f"{run['seconds']:.0f} ({'stopped' if run['stopped'] else 'budget spent'})"


def fastest(goal: Goal, results: dict[str, list[dict]], library: str) -> tuple[float, bool] | None:
    """The smallest median of ``library``'s contenders (a lower bound only if every candidate is one)."""
    medians = [m for c in goal.contenders if c.library == library if (m := median_seconds(results[c.label]))]
    exact = [m for m in medians if not m[1]]
    bounds = [m for m in medians if m[1]]
    if exact and (not bounds or min(exact)[0] <= min(bounds)[0]):
        return min(exact)
    return min(bounds) if bounds else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goals", nargs="+", choices=sorted(GOALS), default=list(GOALS))
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 for every contender")
    parser.add_argument("--contenders", nargs="+", help="only the contenders with these labels")
    parser.add_argument(
        "--cap",
        type=float,
        default=6.0,
        help="stop a contender at this many times the fastest time to the last target of its seed (0: never)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "time_to_return.md", help="Markdown file")
    parser.add_argument("--list", action="store_true", help="list the goals and their contenders, and exit")
    args = parser.parse_args()
    if args.list:
        for goal in GOALS.values():
            names = ", ".join(c.label for c in goal.contenders)
            targets = ", ".join(f"{t:,.0f}" for t in goal.targets)
            print(f"{goal.name}: {goal.title} to {targets}, budget {goal.budget:,} ({names})")
        return
    sections = []
    with tempfile.TemporaryDirectory() as root:
        for name in args.goals:
            goal = GOALS[name]
            contenders = [c for c in goal.contenders if not args.contenders or c.label in args.contenders]
            goal = Goal(**{**goal.__dict__, "contenders": tuple(contenders)})
            results: dict[str, list[dict]] = {c.label: [] for c in contenders}
            for seed in range(args.seeds):
                best: float | None = None  # the fastest time to the last target of this seed so far
                for contender in contenders:
                    limit = args.cap * best if args.cap and best is not None else None
                    outcome = run(goal, contender, seed, Path(root), limit)
                    results[contender.label].append(outcome)
                    if goal.targets[-1] in outcome["reached"]:
                        seconds = outcome["reached"][goal.targets[-1]][0]
                        best = seconds if best is None else min(best, seconds)
                    print(f"{goal.name} {contender.label} seed {seed}: {outcome}", flush=True)
            every = ", ".join(f"{c.label} {c.interval or goal.interval:,}" for c in contenders)
            sections += [
                f"## {goal.title}",
                "",
                f"budget {goal.budget:,} env steps; evaluations of {goal.episodes} episodes every "
                f"({every}) env steps",
                "",
            ]
            for target in goal.targets:
                sections += table(goal, target, results, args.seeds)
    command_line = "python benchmarks/time_to_return.py " + " ".join(sys.argv[1:])
    header = [
        "# Time to return: rlkit against Stable-Baselines3, whole process, same machine, same run",
        "",
        f"command: `{command_line.strip()}`  ",
        f"a contender still short of the last target at {args.cap:g}× the fastest time to it of its seed is "
        "stopped there (its seconds then a lower bound)  "
        if args.cap
        else "no contender was stopped early  ",
        f"machine: {platform.machine()}, CPython {platform.python_version()}, CPU only",
        "",
    ]
    write_results(args.output, "\n".join([*header, *sections]))
    print("\n".join(sections))


if __name__ == "__main__":
    main()
