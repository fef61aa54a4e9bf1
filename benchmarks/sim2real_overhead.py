"""Steps per second of a shipped task, raw and with the full sim2real stack, and of HalfCheetah-v5 raw.

All envs are stepped in one process, one after another, with the same pre-drawn random actions; each is
timed ``--repeats`` times, interleaved, and the median is reported so that a busy machine hurts them alike.

    python benchmarks/sim2real_overhead.py --task rlkit/Walker-v0 --steps 20000 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
import numpy as np

import rlkit.envs  # noqa: F401  (registers the rlkit/ ids)
from rlkit.config.schema import EnvConfig
from rlkit.envs import make_env


def full_stack(env_id: str, body: str) -> EnvConfig:
    """Every sim2real layer on: randomized physics, pushes, actuator models, sensor models, latency."""
    return EnvConfig.model_validate(
        {
            "id": env_id,
            "randomization": {
                "parameters": [
                    {"parameter": "body_mass", "low": 0.7, "high": 1.5},
                    {"parameter": "geom_friction", "friction": "all", "low": 0.4, "high": 1.2},
                    {"parameter": "dof_damping", "distribution": "loguniform", "low": 0.5, "high": 2.0},
                    {"parameter": "dof_armature", "low": 0.9, "high": 1.1},
                    {"parameter": "actuator_gain", "low": 0.85, "high": 1.15},
                    {
                        "parameter": "gravity",
                        "mode": "offset",
                        "distribution": "gaussian",
                        "mean": 0,
                        "std": 0.1,
                    },
                    {"parameter": "timestep", "low": 0.95, "high": 1.05, "shared": True},
                ],
                "pushes": {"body": body, "interval": [150, 400], "duration": 5, "force": [0, 50]},
            },
            "actuators": {
                "noise_std": 0.05,
                "latency": {"min": 0, "max": 1},
                "rate_limit": 0.5,
                "saturation": 0.95,
            },
            "sensors": {
                "models": [
                    {
                        "noise_std": 0.01,
                        "bias_std": 0.01,
                        "drift_std": 0.001,
                        "dropout": 0.01,
                        "quantization": 0.0001,
                        "clip": [-100, 100],
                        "update_every": 1,
                    }
                ],
                "latency": {"min": 0, "max": 3},
            },
        }
    )


def steps_per_second(env: gym.Env, actions: np.ndarray) -> float:
    """Step ``env`` through ``actions``, resetting at episode ends; return env steps per second."""
    env.reset(seed=0)
    start = time.perf_counter()
    for action in actions:
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            env.reset()
    return len(actions) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--task", default="rlkit/Walker-v0", help="shipped task to measure")
    parser.add_argument("--body", default="torso", help="body the pushes act on")
    parser.add_argument("--steps", type=int, default=20_000, help="env steps per timing")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved timings per env")
    args = parser.parse_args()

    candidates = {
        f"{args.task} raw": make_env(EnvConfig(id=args.task), check=False),
        f"{args.task} full sim2real stack": make_env(full_stack(args.task, args.body), check=False),
        "HalfCheetah-v5 raw": make_env(EnvConfig(id="HalfCheetah-v5"), check=False),
    }
    rng = np.random.default_rng(0)
    speeds: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(args.repeats):
        for name, env in candidates.items():
            space = env.action_space
            actions = rng.uniform(space.low, space.high, (args.steps, *space.shape)).astype(space.dtype)
            speeds[name].append(steps_per_second(env, actions))
    raw = statistics.median(speeds[f"{args.task} raw"])
    print(f"| env | steps/s (median of {args.repeats}) | relative to {args.task} raw |")
    print("|---|---:|---:|")
    for name, values in speeds.items():
        median = statistics.median(values)
        print(f"| {name} | {median:,.0f} | {median / raw:.2f} |")
    stacked = statistics.median(speeds[f"{args.task} full sim2real stack"])
    print(f"\nfull-stack overhead: {raw / stacked - 1:+.1%} time per step")


if __name__ == "__main__":
    main()
