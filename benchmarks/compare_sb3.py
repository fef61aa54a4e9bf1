"""rlkit vs Stable-Baselines3 (and sb3-contrib): final returns and env-steps/s, same hyperparameters, one run.

Usage:
    python benchmarks/compare_sb3.py                               # the default suite, 3 seeds
    python benchmarks/compare_sb3.py --cases ppo-cartpole --seeds 5 --steps 50000
    python benchmarks/compare_sb3.py --list                        # every case, its budget and presets

Each case pairs an rlkit preset with the Stable-Baselines3 algorithm given the same hyperparameters (the
SB3 side is spelled out below, value by value), trains both for exactly the case's env steps (rlkit's early
stop is turned off) with the same seeds, and evaluates the deterministic policy for 10 episodes on unseen
seeds. The default suite: DQN and PPO on CartPole-v1; PPO and SAC on HalfCheetah-v5, on budgets that fit a
2-core machine (far from converged: they compare learning speed, not final performance); and on CartPole-v1
with the velocities hidden (``env.sensors.observed: [0, 2]``), recurrent PPO against sb3-contrib's
RecurrentPPO, and feed-forward PPO in both libraries, which cannot solve it.

Speed is whole-process wall time, start-up and final evaluation included: each run is a fresh ``python``
process timed from outside, as a user would run it. rlkit runs through its CLI with its defaults (progress
bar off, TensorBoard and metrics.csv on). Runs alternate between the libraries seed by seed, so drift in
the machine's load hits both alike. SB3's DQN has no Double-DQN targets, so rlkit's DQN runs with
``agent.double_q=false`` to do the same work. SB3 initializes its policies orthogonally too; where rl-zoo3
turns that off (``ortho_init=False``) rlkit still initializes orthogonally (it has no switch for it).

The table is printed and written to ``benchmarks/results/compare_sb3.md`` (``--output`` to change).
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
from dataclasses import dataclass
from pathlib import Path

from results_file import write_results

RESULTS = Path(__file__).resolve().parent / "results"

#: The SB3 side of every case: ``python -c SB3_PROGRAM CASE STEPS SEED THREADS`` prints the eval as JSON.
SB3_PROGRAM = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import torch
    case, steps, seed, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    if threads > 0:
        torch.set_num_threads(threads)
    import gymnasium as gym
    from stable_baselines3 import A2C, DQN, PPO, SAC, TD3
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.noise import NormalActionNoise
    from stable_baselines3.common.vec_env import VecNormalize

    def linear(start):
        return lambda progress_remaining: progress_remaining * start

    class Positions(gym.ObservationWrapper):
        # CartPole with the velocities hidden, as rlkit's env.sensors.observed: [0, 2]
        def __init__(self, env):
            super().__init__(env)
            space = env.observation_space
            self.observation_space = gym.spaces.Box(space.low[[0, 2]], space.high[[0, 2]], dtype=np.float32)

        def observation(self, obs):
            return obs[[0, 2]]

    env_id, wrapper, normalize = "CartPole-v1", None, None
    if case in ("ppo-cartpole", "ppo-cartpole-pomdp"):
        wrapper = Positions if case.endswith("pomdp") else None
        env = make_vec_env(env_id, n_envs=8, seed=seed, wrapper_class=wrapper)
        model = PPO("MlpPolicy", env, n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20,
                    ent_coef=0.0, learning_rate=linear(1e-3), clip_range=linear(0.2), seed=seed, device="cpu")
    elif case == "recurrent-ppo-cartpole-pomdp":
        from sb3_contrib import RecurrentPPO
        wrapper, normalize = Positions, dict(norm_obs=True, norm_reward=False)
        env = VecNormalize(make_vec_env(env_id, n_envs=8, seed=seed, wrapper_class=wrapper), **normalize)
        model = RecurrentPPO("MlpLstmPolicy", env, n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98,
                             n_epochs=20, ent_coef=0.0, learning_rate=linear(1e-3), clip_range=linear(0.2),
                             policy_kwargs=dict(lstm_hidden_size=64, enable_critic_lstm=True,
                                                net_arch=dict(pi=[64], vf=[64])),
                             seed=seed, device="cpu")
    elif case == "a2c-cartpole":
        env = make_vec_env(env_id, n_envs=8, seed=seed)
        model = A2C("MlpPolicy", env, ent_coef=0.0, seed=seed, device="cpu")
    elif case == "dqn-cartpole":
        env = make_vec_env(env_id, n_envs=1, seed=seed)
        model = DQN("MlpPolicy", env, learning_rate=2.3e-3, batch_size=64, buffer_size=100000,
                    learning_starts=1000, gamma=0.99, target_update_interval=10, train_freq=256,
                    gradient_steps=128, exploration_fraction=0.16, exploration_final_eps=0.04,
                    policy_kwargs=dict(net_arch=[256, 256]), seed=seed, device="cpu")
    elif case == "ppo-halfcheetah":
        env_id, normalize = "HalfCheetah-v5", dict(norm_obs=True, norm_reward=True, gamma=0.98)
        env = VecNormalize(make_vec_env(env_id, n_envs=1, seed=seed), **normalize)
        model = PPO("MlpPolicy", env, n_steps=512, batch_size=64, gamma=0.98, learning_rate=2.0633e-5,
                    ent_coef=0.000401762, clip_range=0.1, n_epochs=20, gae_lambda=0.92, max_grad_norm=0.8,
                    vf_coef=0.58096, policy_kwargs=dict(log_std_init=-2, ortho_init=False,
                    activation_fn=torch.nn.ReLU, net_arch=dict(pi=[256, 256], vf=[256, 256])),
                    seed=seed, device="cpu")
    elif case == "sac-halfcheetah":
        env_id = "HalfCheetah-v5"
        env = make_vec_env(env_id, n_envs=1, seed=seed)
        model = SAC("MlpPolicy", env, learning_rate=3e-4, buffer_size=1000000, learning_starts=5000,
                    batch_size=256, tau=0.005, gamma=0.99, train_freq=1, gradient_steps=1,
                    policy_kwargs=dict(net_arch=[256, 256]), seed=seed, device="cpu")
    elif case == "sac-pendulum":
        env_id = "Pendulum-v1"
        env = make_vec_env(env_id, n_envs=1, seed=seed)
        model = SAC("MlpPolicy", env, learning_rate=1e-3, buffer_size=200000, learning_starts=1000,
                    batch_size=256, tau=0.005, gamma=0.99, train_freq=1, gradient_steps=1,
                    policy_kwargs=dict(net_arch=[256, 256]), seed=seed, device="cpu")
    elif case == "td3-pendulum":
        env_id = "Pendulum-v1"
        env = make_vec_env(env_id, n_envs=1, seed=seed)
        model = TD3("MlpPolicy", env, learning_rate=1e-3, buffer_size=200000, learning_starts=10000,
                    batch_size=256, tau=0.005, gamma=0.98, train_freq=1, gradient_steps=1, policy_delay=2,
                    target_policy_noise=0.2, target_noise_clip=0.5,
                    action_noise=NormalActionNoise(mean=np.zeros(1), sigma=0.1 * np.ones(1)),
                    policy_kwargs=dict(net_arch=[400, 300]), seed=seed, device="cpu")
    else:
        raise SystemExit(f"unknown case {case}")
    model.learn(steps)
    eval_env = make_vec_env(env_id, n_envs=1, seed=seed + 1_000_000, wrapper_class=wrapper)
    if normalize is not None:  # the training statistics, frozen; returns are the env's own
        eval_env = VecNormalize(eval_env, training=False, norm_obs=True, norm_reward=False)
        eval_env.obs_rms = model.get_env().obs_rms
    mean, std = evaluate_policy(model, eval_env, n_eval_episodes=10, deterministic=True)
    print(json.dumps({"mean_return": float(mean), "std_return": float(std)}))
    """
)


@dataclass(frozen=True)
class Case:
    """One comparison: an rlkit preset and its SB3 twin (a branch of :data:`SB3_PROGRAM`)."""

    name: str
    title: str
    preset: str
    steps: int
    sb3_name: str
    overrides: tuple[str, ...] = ()


CASES = {
    case.name: case
    for case in (
        Case(
            "dqn-cartpole", "DQN, CartPole-v1", "cartpole-dqn", 50_000, "SB3 DQN", ("agent.double_q=false",)
        ),
        Case("ppo-cartpole", "PPO, CartPole-v1", "cartpole-ppo", 100_000, "SB3 PPO"),
        Case("a2c-cartpole", "A2C, CartPole-v1", "cartpole-a2c", 100_000, "SB3 A2C"),
        Case("ppo-halfcheetah", "PPO, HalfCheetah-v5", "halfcheetah-ppo", 100_000, "SB3 PPO"),
        Case(
            "sac-halfcheetah",
            "SAC, HalfCheetah-v5",
            "halfcheetah-sac",
            20_000,
            "SB3 SAC",
            ("agent.learning_starts=5000",),
        ),
        Case("sac-pendulum", "SAC, Pendulum-v1", "pendulum-sac", 6_000, "SB3 SAC"),
        Case("td3-pendulum", "TD3, Pendulum-v1", "pendulum-td3", 20_000, "SB3 TD3"),
        Case(
            "ppo-cartpole-pomdp",
            "feed-forward PPO, CartPole-v1 without velocities",
            "cartpole-ppo",
            100_000,
            "SB3 PPO",
            ("env.sensors.observed=[0,2]",),
        ),
        Case(
            "recurrent-ppo-cartpole-pomdp",
            "recurrent PPO, CartPole-v1 without velocities",
            "cartpole-recurrent-ppo",
            100_000,
            "sb3-contrib RecurrentPPO",
        ),
    )
}
DEFAULT_SUITE = (
    "dqn-cartpole",
    "ppo-cartpole",
    "ppo-halfcheetah",
    "sac-halfcheetah",
    "ppo-cartpole-pomdp",
    "recurrent-ppo-cartpole-pomdp",
)


def timed(command: list[str]) -> tuple[float, str]:
    """Run a command; return its whole-process wall time and stdout."""
    start = time.perf_counter()
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, result.stdout


def run_rlkit(case: Case, steps: int, seed: int, root: Path) -> dict:
    run_dir = root / f"rlkit-{case.name}-{seed}"
    seconds, _ = timed(
        [
            sys.executable,
            "-m",
            "rlkit",
            "train",
            case.preset,
            f"train.total_steps={steps}",
            f"train.seed={seed}",
            "train.target_return=null",
            "eval.interval=0",
            "eval.episodes=10",
            "log.progress=false",
            *case.overrides,
            "--run-dir",
            str(run_dir),
        ]
    )
    summary = json.loads((run_dir / "eval.json").read_text())
    return {"seconds": seconds, "mean_return": summary["mean_return"]}


def run_sb3(case: Case, steps: int, seed: int, threads: int) -> dict:
    seconds, out = timed([sys.executable, "-c", SB3_PROGRAM, case.name, str(steps), str(seed), str(threads)])
    return {"seconds": seconds, **json.loads(out.strip().splitlines()[-1])}


def summarize(runs: list[dict], steps: int) -> tuple[float, str, str]:
    """Mean steps/s, and the steps/s and return cells of the table."""
    speed = statistics.fmean(steps / run["seconds"] for run in runs)
    returns = [run["mean_return"] for run in runs]
    spread = statistics.pstdev(returns) if len(returns) > 1 else 0.0
    per_seed = ", ".join(f"{value:.0f}" for value in returns)
    return speed, f"{speed:,.0f}", f"{statistics.fmean(returns):.1f} ± {spread:.1f} ({per_seed})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=list(DEFAULT_SUITE))
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 for every case")
    parser.add_argument("--steps", type=int, help="env steps for every case (default: each case's own)")
    parser.add_argument("--sb3-threads", type=int, default=0, help="SB3's torch threads (0: torch's default)")
    parser.add_argument("--output", type=Path, default=RESULTS / "compare_sb3.md", help="Markdown table")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args()
    if args.list:
        for case in CASES.values():
            suite = " (default suite)" if case.name in DEFAULT_SUITE else ""
            budget = f"{case.steps:,} steps"
            print(f"{case.name}: {case.title}, {budget}, rlkit {case.preset} vs {case.sb3_name}{suite}")
        return

    rows = []
    with tempfile.TemporaryDirectory() as root:
        for name in args.cases:
            case = CASES[name]
            steps = args.steps or case.steps
            rlkit_runs, sb3_runs = [], []
            for seed in range(args.seeds):
                rlkit_runs.append(run_rlkit(case, steps, seed, Path(root)))
                sb3_runs.append(run_sb3(case, steps, seed, args.sb3_threads))
                print(f"{name} seed {seed}: rlkit {rlkit_runs[-1]}, SB3 {sb3_runs[-1]}", flush=True)
            rlkit_speed, rlkit_speed_cell, rlkit_returns = summarize(rlkit_runs, steps)
            sb3_speed, sb3_speed_cell, sb3_returns = summarize(sb3_runs, steps)
            rows.append(
                f"| {case.title} | {steps:,} | {rlkit_returns} | {sb3_returns} | {rlkit_speed_cell} | "
                f"{sb3_speed_cell} ({case.sb3_name}) | **{rlkit_speed / sb3_speed:.2f}×** |"
            )

    command = "python benchmarks/compare_sb3.py"
    if tuple(args.cases) != DEFAULT_SUITE:
        command += " --cases " + " ".join(args.cases)
    command += f" --seeds {args.seeds}"
    if args.steps:
        command += f" --steps {args.steps}"
    if args.sb3_threads:
        command += f" --sb3-threads {args.sb3_threads}"
    lines = [
        "# rlkit vs Stable-Baselines3: same hyperparameters, same envs, same seeds",
        "",
        f"command: `{command}`  ",
        f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        "CPU only; whole-process wall time (start-up and final 10-episode evaluation included)",
        "",
        "| case | env steps | rlkit return, mean ± std (per seed) | SB3 return, mean ± std (per seed) | "
        "rlkit steps/s | SB3 steps/s | rlkit / SB3 speed |",
        "|---|---:|---|---|---:|---:|---:|",
        *rows,
    ]
    write_results(args.output, "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
