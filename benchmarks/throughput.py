"""End-to-end training throughput: rlkit PPO on each rollout backend vs Stable-Baselines3 PPO on its vec envs.

Usage:
    python benchmarks/throughput.py                      # CartPole-v1 and HalfCheetah-v5, every backend
    python benchmarks/throughput.py --envs cartpole --repeats 3

Every run trains PPO with the same hyperparameters (rlkit's ``cartpole-ppo`` and ``halfcheetah-ppo``
presets; for HalfCheetah with 8 envs of 64 steps so that every backend has envs to spread) for a fixed
number of env steps, and reports env steps per second of training: rlkit's training-loop wall time (what
``rlkit train`` prints; env construction and the final evaluation excluded) and the time of SB3's
``model.learn`` (the same span). Each run is a fresh process. rlkit: ``sync``, ``subprocess`` and ``ray``
backends with ``--workers`` workers, Ray with the policy on the workers (``ray:worker``, the default for
Ray) or in the learner (``ray:learner``); SB3: ``DummyVecEnv`` and ``SubprocVecEnv``. The table is printed and
written to ``benchmarks/results/throughput.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from results_file import write_results

RESULTS = Path(__file__).resolve().parent / "results"

#: rlkit preset and overrides, SB3 hyperparameters (the same values), and the step budget per env.
SETUPS = {
    "cartpole": {
        "env_id": "CartPole-v1",
        "preset": "cartpole-ppo",
        "overrides": [],
        "steps": 100_000,
    },
    "halfcheetah": {
        "env_id": "HalfCheetah-v5",
        "preset": "halfcheetah-ppo",
        "overrides": ["rollout.num_envs=8", "agent.n_steps=64", "agent.normalize_returns=false"],
        "steps": 30_000,
    },
    # A costly env, where stepping dominates: 10x the physics substeps per step (frame_skip 50, not 5).
    "halfcheetah-heavy": {
        "env_id": "HalfCheetah-v5 (frame_skip 50)",
        "preset": "halfcheetah-ppo",
        "overrides": [
            "rollout.num_envs=8",
            "agent.n_steps=64",
            "agent.normalize_returns=false",
            "env.kwargs.frame_skip=50",
        ],
        "steps": 10_000,
    },
}

SB3_PROGRAM = textwrap.dedent(
    """
    import json, sys, time
    import torch
    setup, vec, steps, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if threads > 0:
        torch.set_num_threads(threads)
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecNormalize

    vec_cls = SubprocVecEnv if vec == "subproc" else DummyVecEnv
    linear = lambda start: (lambda remaining: remaining * start)
    if setup == "cartpole":
        env = make_vec_env("CartPole-v1", n_envs=8, seed=0, vec_env_cls=vec_cls)
        model = PPO("MlpPolicy", env, n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20,
                    ent_coef=0.0, learning_rate=linear(1e-3), clip_range=linear(0.2), seed=0, device="cpu")
    else:
        kwargs = {"frame_skip": 50} if setup == "halfcheetah-heavy" else {}
        env = VecNormalize(make_vec_env("HalfCheetah-v5", n_envs=8, seed=0, vec_env_cls=vec_cls,
                                        env_kwargs=kwargs), norm_obs=True, norm_reward=False)
        model = PPO("MlpPolicy", env, n_steps=64, batch_size=64, gamma=0.98, learning_rate=2.0633e-5,
                    ent_coef=0.000401762, clip_range=0.1, n_epochs=20, gae_lambda=0.92, max_grad_norm=0.8,
                    vf_coef=0.58096, policy_kwargs=dict(log_std_init=-2, ortho_init=False,
                    activation_fn=torch.nn.ReLU, net_arch=dict(pi=[256, 256], vf=[256, 256])),
                    seed=0, device="cpu")
    start = time.perf_counter()
    model.learn(steps)
    seconds = time.perf_counter() - start
    env.close()
    print(json.dumps({"seconds": seconds}))
    """
)

TRAINED = re.compile(r"trained ([\d,]+) steps in ([\d.]+) s")


def run_rlkit(setup: str, backend: str, workers: int, steps: int, root: Path) -> float:
    """Env steps per second of one rlkit training run; ``backend`` is ``sync``, ``subprocess``, or
    ``ray:worker`` / ``ray:learner`` (where the policy acts)."""
    config = SETUPS[setup]
    backend, _, inference = backend.partition(":")
    run_dir = root / f"{setup}-{backend}-{inference}"
    command = [
        sys.executable,
        "-m",
        "rlkit",
        "train",
        config["preset"],
        *config["overrides"],
        f"train.total_steps={steps}",
        "train.target_return=null",
        "eval.interval=0",
        "eval.episodes=1",
        "log.progress=false",
        f"rollout.backend={backend}",
        "--run-dir",
        str(run_dir),
    ]
    if backend != "sync":
        command.append(f"rollout.num_workers={workers}")
    if inference:
        command.append(f"rollout.inference={inference}")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    match = TRAINED.search(out)
    if match is None:
        raise RuntimeError(f"no training time in rlkit's output:\n{out}")
    return int(match.group(1).replace(",", "")) / float(match.group(2))


def run_sb3(setup: str, vec: str, steps: int, threads: int) -> float:
    """Env steps per second of one SB3 training run."""
    out = subprocess.run(
        [sys.executable, "-c", SB3_PROGRAM, setup, vec, str(steps), str(threads)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return steps / json.loads(out.strip().splitlines()[-1])["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", choices=sorted(SETUPS), default=sorted(SETUPS))
    parser.add_argument("--backends", nargs="+", default=["sync", "subprocess", "ray:worker", "ray:learner"])
    parser.add_argument("--workers", type=int, default=2, help="subprocess/ray workers")
    parser.add_argument("--repeats", type=int, default=2, help="runs per cell (the table shows the mean)")
    parser.add_argument("--sb3-threads", type=int, default=0, help="SB3's torch threads (0: torch's default)")
    args = parser.parse_args()

    lines = [
        "# Training throughput: rlkit PPO per rollout backend vs Stable-Baselines3 PPO",
        "",
        f"command: `python benchmarks/throughput.py --envs {' '.join(args.envs)} --backends "
        f"{' '.join(args.backends)} --workers {args.workers} --repeats {args.repeats}`  ",
        f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        "CPU only; env steps per second of training (env construction and final evaluation excluded), "
        f"mean of {args.repeats} runs",
        "",
        "| env | env steps | library / vec env | steps/s | vs SB3's best |",
        "|---|---:|---|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as root:
        for setup in args.envs:
            steps = SETUPS[setup]["steps"]
            cells: dict[str, float] = {}
            for _ in range(args.repeats):  # alternate, so drift in machine load hits all alike
                for backend in args.backends:
                    label = f"rlkit {backend}" + ("" if backend == "sync" else f" ({args.workers} workers)")
                    cells.setdefault(label, 0.0)
                    cells[label] += run_rlkit(setup, backend, args.workers, steps, Path(root)) / args.repeats
                for vec in ("dummy", "subproc"):
                    label = "SB3 DummyVecEnv" if vec == "dummy" else "SB3 SubprocVecEnv"
                    cells.setdefault(label, 0.0)
                    cells[label] += run_sb3(setup, vec, steps, args.sb3_threads) / args.repeats
                print(f"{setup}: {cells}", flush=True)
            best_sb3 = max(value for label, value in cells.items() if label.startswith("SB3"))
            env_id = SETUPS[setup]["env_id"]
            for label, value in cells.items():
                lines.append(f"| {env_id} | {steps:,} | {label} | {value:,.0f} | {value / best_sb3:.2f}× |")
    write_results(RESULTS / "throughput.md", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
