"""rlkit vs Stable-Baselines3: env-steps/s and final returns, same hyperparameters, same env, one run.

Usage:
    python benchmarks/compare_sb3.py --algo ppo --steps 100000 --seeds 3
    python benchmarks/compare_sb3.py --algo dqn --steps 50000 --seeds 3
    python benchmarks/compare_sb3.py --algo a2c --steps 100000 --seeds 3
    python benchmarks/compare_sb3.py --algo sac --steps 6000 --seeds 2       (on Pendulum-v1)

Both libraries train with rl-zoo3's tuned CartPole hyperparameters (rlkit's ``cartpole-ppo``,
``cartpole-dqn`` and ``cartpole-a2c`` presets; SAC runs ``pendulum-sac`` on Pendulum-v1 with rl-zoo3-like
settings; the SB3 side below spells out the same values) for
exactly ``--steps`` env steps (rlkit's early stop is turned off), then evaluate the deterministic policy
for 10 episodes. Speed is counted as whole-process wall time, start-up included: each run is a fresh
``python`` process, timed from outside, as a user would run it. rlkit runs through its CLI with its
defaults (progress bar off, TensorBoard and metrics.csv on). SB3 runs with torch's default thread count
unless ``--sb3-threads`` is given. SB3's DQN has no Double-DQN targets, so rlkit's DQN runs with
``agent.double_q=false`` here to do the same work.

The table is printed and written to ``benchmarks/results/compare_sb3_<algo>.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

SB3_PROGRAM = textwrap.dedent(
    """
    import json, sys
    import torch
    algo, steps, seed, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    if threads > 0:
        torch.set_num_threads(threads)
    import gymnasium as gym
    from stable_baselines3 import A2C, DQN, PPO, SAC
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy

    def linear(start):
        return lambda progress_remaining: progress_remaining * start

    if algo == "ppo":
        env = make_vec_env("CartPole-v1", n_envs=8, seed=seed)
        model = PPO("MlpPolicy", env, n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20,
                    ent_coef=0.0, learning_rate=linear(1e-3), clip_range=linear(0.2), seed=seed, device="cpu")
    elif algo == "a2c":
        env = make_vec_env("CartPole-v1", n_envs=8, seed=seed)
        model = A2C("MlpPolicy", env, ent_coef=0.0, seed=seed, device="cpu")
    elif algo == "sac":
        env = make_vec_env("Pendulum-v1", n_envs=1, seed=seed)
        model = SAC("MlpPolicy", env, learning_rate=1e-3, buffer_size=200000, learning_starts=1000,
                    batch_size=256, tau=0.005, gamma=0.99, train_freq=1, gradient_steps=1,
                    policy_kwargs=dict(net_arch=[256, 256]), seed=seed, device="cpu")
    else:
        env = make_vec_env("CartPole-v1", n_envs=1, seed=seed)
        model = DQN("MlpPolicy", env, learning_rate=2.3e-3, batch_size=64, buffer_size=100000,
                    learning_starts=1000, gamma=0.99, target_update_interval=10, train_freq=256,
                    gradient_steps=128, exploration_fraction=0.16, exploration_final_eps=0.04,
                    policy_kwargs=dict(net_arch=[256, 256]), seed=seed, device="cpu")
    model.learn(steps)
    eval_env = gym.make("Pendulum-v1" if algo == "sac" else "CartPole-v1")
    eval_env.reset(seed=seed + 1_000_000)
    mean, std = evaluate_policy(model, eval_env, n_eval_episodes=10, deterministic=True)
    print(json.dumps({"mean_return": float(mean), "std_return": float(std)}))
    """
)


PRESETS = {"ppo": "cartpole-ppo", "dqn": "cartpole-dqn", "a2c": "cartpole-a2c", "sac": "pendulum-sac"}
ENVS = {"ppo": "CartPole-v1", "dqn": "CartPole-v1", "a2c": "CartPole-v1", "sac": "Pendulum-v1"}


def timed(command: list[str]) -> tuple[float, str]:
    """Run a command; return its whole-process wall time and stdout."""
    start = time.perf_counter()
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, result.stdout


def run_rlkit(algo: str, steps: int, seed: int, root: Path) -> dict:
    run_dir = root / f"rlkit-{algo}-{seed}"
    extra = ["agent.double_q=false"] if algo == "dqn" else []
    seconds, _ = timed(
        [
            sys.executable,
            "-m",
            "rlkit",
            "train",
            PRESETS[algo],
            f"train.total_steps={steps}",
            f"train.seed={seed}",
            "train.target_return=null",
            "eval.interval=0",
            "log.progress=false",
            *extra,
            "--run-dir",
            str(run_dir),
        ]
    )
    summary = json.loads((run_dir / "eval.json").read_text())
    return {"seconds": seconds, "mean_return": summary["mean_return"]}


def run_sb3(algo: str, steps: int, seed: int, threads: int) -> dict:
    seconds, out = timed([sys.executable, "-c", SB3_PROGRAM, algo, str(steps), str(seed), str(threads)])
    return {"seconds": seconds, **json.loads(out.strip().splitlines()[-1])}


def describe(runs: list[dict], steps: int) -> tuple[float, str, str]:
    speeds = [steps / r["seconds"] for r in runs]
    returns = [r["mean_return"] for r in runs]
    mean_speed = statistics.fmean(speeds)
    return (
        mean_speed,
        f"{mean_speed:,.0f}",
        f"{statistics.fmean(returns):.1f} ({', '.join(f'{x:.0f}' for x in returns)})",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algo", choices=sorted(PRESETS), default="ppo")
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sb3-threads", type=int, default=0, help="SB3's torch threads (0: default)")
    args = parser.parse_args()

    rlkit_runs, sb3_runs = [], []
    with tempfile.TemporaryDirectory() as root:
        for seed in range(args.seeds):  # interleaved, so drift in machine load hits both alike
            rlkit_runs.append(run_rlkit(args.algo, args.steps, seed, Path(root)))
            sb3_runs.append(run_sb3(args.algo, args.steps, seed, args.sb3_threads))
            print(f"seed {seed}: rlkit {rlkit_runs[-1]}  sb3 {sb3_runs[-1]}", flush=True)
    rlkit_speed, rlkit_speed_text, rlkit_returns = describe(rlkit_runs, args.steps)
    sb3_speed, sb3_speed_text, sb3_returns = describe(sb3_runs, args.steps)
    command = f"python benchmarks/compare_sb3.py --algo {args.algo} --steps {args.steps} --seeds {args.seeds}"
    if args.sb3_threads:
        command += f" --sb3-threads {args.sb3_threads}"
    lines = [
        f"# rlkit vs Stable-Baselines3: {args.algo.upper()} on {ENVS[args.algo]}, {args.steps:,} env steps",
        "",
        f"command: `{command}`  ",
        f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"CPU only; whole-process wall time (start-up and final 10-episode evaluation included)",
        "",
        "| library | env steps/s (mean over seeds) | final eval return, mean (per seed) |",
        "|---|---|---|",
        f"| rlkit | {rlkit_speed_text} | {rlkit_returns} |",
        f"| Stable-Baselines3 | {sb3_speed_text} | {sb3_returns} |",
        "",
        f"rlkit / SB3 steps/s: **{rlkit_speed / sb3_speed:.2f}x**",
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"compare_sb3_{args.algo}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
