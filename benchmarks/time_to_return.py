"""Time to return: whole-process wall-clock seconds until the deterministic evaluation first reaches a target.

Usage:
    python benchmarks/time_to_return.py                                   # every goal, seeds 0-2
    python benchmarks/time_to_return.py --goals halfcheetah-3000 --seeds 1
    python benchmarks/time_to_return.py --list                            # the goals and their contenders

The figure a user feels: start a training process, wait until its policy is good enough. For each goal,
every rlkit contender (a preset and its overrides, any agent) and every Stable-Baselines3 contender (PPO and
SAC with rl-zoo3's tuned hyperparameters for the env) trains with the same seed, evaluates its deterministic
policy on ``episodes`` episodes every ``interval`` env steps, and stops at the first evaluation whose mean
return reaches the target, or at the step budget (then the goal counts as not reached). Each run is a fresh
``python`` process timed from outside, start-up and evaluations included; contenders alternate seed by seed,
so drift in the machine's load hits them alike. The table gives, per contender, the median seconds over
seeds (every seed must reach the goal, else the median is over those that did and the count says so), and
the ratio of the faster SB3 contender's median to rlkit's fastest contender's.

rlkit stops through its own ``train.target_return``, evaluating as it does in every run (on ``eval.episodes``
episodes, env seeds apart from training's). SB3 evaluates through ``evaluate_policy`` on a separate env with
the training normalization statistics frozen, the way rl-zoo3 does.

The walker goal trains SB3 on rlkit's own env with the whole sim2real stack of ``walker-ppo-sim2real``
(``rlkit.envs.make_env``), with rl-zoo3's Walker2d-v5 PPO settings.
"""

from __future__ import annotations

import argparse
import csv
import json
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

#: The SB3 side: ``python -c SB3_PROGRAM ALGO ENV TARGET BUDGET INTERVAL EPISODES SEED`` prints the steps at
#: which the evaluation first reached the target (or null) as JSON. ENV is a Gymnasium id or ``rlkit:PRESET``
#: (the preset's env, built by rlkit).
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
        reached = None

        def _on_step(self):
            if self.num_timesteps % interval:
                return True
            if normalize is not None:
                eval_env.obs_rms = self.model.get_env().obs_rms
            mean, _ = evaluate_policy(self.model, eval_env, n_eval_episodes=episodes, deterministic=True)
            if mean >= target:
                StopAtTarget.reached = self.num_timesteps
                return False
            return True

    model.learn(budget, callback=StopAtTarget())
    print(json.dumps({"steps": StopAtTarget.reached}))
    """
)


@dataclass(frozen=True)
class Contender:
    """One way to train toward a goal: an rlkit preset with overrides, or an SB3 algorithm."""

    label: str
    library: str  # "rlkit" or "sb3"
    name: str  # the rlkit preset, or the SB3 algorithm (ppo, sac)
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class Goal:
    """A target return on an env, the step budget to reach it in, and who tries."""

    name: str
    title: str
    sb3_env: str
    target: float
    budget: int
    interval: int
    episodes: int
    contenders: tuple[Contender, ...]


_HALFCHEETAH = (
    Contender("rlkit SAC", "rlkit", "halfcheetah-sac"),
    Contender("rlkit PPO, batched", "rlkit", "halfcheetah-ppo-batched"),
    Contender("SB3 SAC", "sb3", "sac"),
    Contender("SB3 PPO", "sb3", "ppo"),
)

GOALS = {
    goal.name: goal
    for goal in (
        Goal(
            "halfcheetah-3000",
            "HalfCheetah-v5 to 3,000",
            "HalfCheetah-v5",
            3000,
            1_000_000,
            10_000,
            5,
            _HALFCHEETAH,
        ),
        Goal(
            "halfcheetah-5000",
            "HalfCheetah-v5 to 5,000",
            "HalfCheetah-v5",
            5000,
            1_000_000,
            10_000,
            5,
            _HALFCHEETAH,
        ),
        Goal(
            "walker-sim2real",
            "rlkit/Walker-v0 with the sim2real stack to 500",
            "rlkit:walker-ppo-sim2real",
            500,
            3_000_000,
            50_000,
            5,
            (
                Contender("rlkit PPO", "rlkit", "walker-ppo-sim2real"),
                Contender("rlkit PPO, batched", "rlkit", "walker-ppo-sim2real-batched"),
                Contender("SB3 PPO", "sb3", "ppo"),
                Contender("SB3 SAC", "sb3", "sac"),
            ),
        ),
    )
}


def timed(command: list[str]) -> tuple[float, str]:
    """Run a command; return its whole-process wall time and stdout."""
    start = time.perf_counter()
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, result.stdout


def first_reaching_step(metrics: Path, target: float) -> int | None:
    """The env step of the first evaluation in ``metrics.csv`` whose mean return reached ``target``."""
    with metrics.open() as file:
        for row in csv.DictReader(file):
            value = row.get("eval/return_mean") or ""
            if value and float(value) >= target:
                return int(row["env_steps"])
    return None


def run(goal: Goal, contender: Contender, seed: int, root: Path) -> dict:
    """One training process toward ``goal``: its wall time and the step it reached the target (or None)."""
    if contender.library == "sb3":
        arguments = [goal.target, goal.budget, goal.interval, goal.episodes, seed]
        seconds, out = timed(
            [sys.executable, "-c", SB3_PROGRAM, contender.name, goal.sb3_env, *map(str, arguments)]
        )
        return {"seconds": seconds, "steps": json.loads(out.strip().splitlines()[-1])["steps"]}
    run_dir = root / f"{goal.name}-{contender.name}-{seed}"
    seconds, _ = timed(
        [
            sys.executable,
            "-m",
            "rlkit",
            "train",
            contender.name,
            f"train.total_steps={goal.budget}",
            f"train.seed={seed}",
            f"train.target_return={goal.target}",
            f"eval.interval={goal.interval}",
            f"eval.episodes={goal.episodes}",
            "train.checkpoint_interval=100000000",
            "log.progress=false",
            *contender.overrides,
            "--run-dir",
            str(run_dir),
        ]
    )
    return {"seconds": seconds, "steps": first_reaching_step(run_dir / "metrics.csv", goal.target)}


def median_seconds(runs: list[dict]) -> float | None:
    """The median wall time over the runs that reached the goal (None if none did)."""
    reached = [r["seconds"] for r in runs if r["steps"] is not None]
    return statistics.median(reached) if reached else None


def table(goal: Goal, results: dict[str, list[dict]], seeds: int) -> list[str]:
    """The goal's Markdown rows: one per contender, then the ratio."""
    lines = [
        f"### {goal.title}",
        "",
        f"budget {goal.budget:,} env steps; evaluation of {goal.episodes} episodes every {goal.interval:,}",
        "",
        "| contender | reached (seeds) | median seconds | per seed: seconds (env steps) |",
        "|---|---:|---:|---|",
    ]
    for contender in goal.contenders:
        runs = results[contender.label]
        reached = sum(r["steps"] is not None for r in runs)
        median = median_seconds(runs)
        cells = ", ".join(
            f"{r['seconds']:.0f} ({r['steps']:,})"
            if r["steps"] is not None
            else f"{r['seconds']:.0f} (not reached)"
            for r in runs
        )
        shown = f"{median:.0f}" if median is not None else "—"
        lines.append(f"| {contender.label} | {reached}/{seeds} | {shown} | {cells} |")
    best = {
        library: min(
            (m for c in goal.contenders if c.library == library if (m := median_seconds(results[c.label]))),
            default=None,
        )
        for library in ("rlkit", "sb3")
    }
    if best["rlkit"] and best["sb3"]:
        lines += ["", f"rlkit's fastest is **{best['sb3'] / best['rlkit']:.2f}×** faster than SB3's fastest."]
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goals", nargs="+", choices=sorted(GOALS), default=list(GOALS))
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 for every contender")
    parser.add_argument("--contenders", nargs="+", help="only the contenders with these labels")
    parser.add_argument("--output", type=Path, default=RESULTS / "time_to_return.md", help="Markdown file")
    parser.add_argument("--list", action="store_true", help="list the goals and their contenders, and exit")
    args = parser.parse_args()
    if args.list:
        for goal in GOALS.values():
            names = ", ".join(c.label for c in goal.contenders)
            print(f"{goal.name}: {goal.title}, budget {goal.budget:,} ({names})")
        return
    sections = []
    with tempfile.TemporaryDirectory() as root:
        for name in args.goals:
            goal = GOALS[name]
            contenders = [c for c in goal.contenders if not args.contenders or c.label in args.contenders]
            goal = Goal(**{**goal.__dict__, "contenders": tuple(contenders)})
            results: dict[str, list[dict]] = {c.label: [] for c in contenders}
            for seed in range(args.seeds):
                for contender in contenders:
                    outcome = run(goal, contender, seed, Path(root))
                    results[contender.label].append(outcome)
                    print(f"{goal.name} {contender.label} seed {seed}: {outcome}", flush=True)
            sections += table(goal, results, args.seeds)
    command = "python benchmarks/time_to_return.py " + " ".join(sys.argv[1:])
    header = [
        "# Time to return: rlkit against Stable-Baselines3, whole process, same machine, same run",
        "",
        f"command: `{command.strip()}`  ",
        f"machine: {platform.machine()}, CPython {platform.python_version()}, CPU only",
        "",
    ]
    write_results(args.output, "\n".join([*header, *sections]))
    print("\n".join(sections))


if __name__ == "__main__":
    main()
