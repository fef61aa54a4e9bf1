"""Vector-env throughput: env steps per second with random actions, no learning, per rollout backend.

Usage:
    python benchmarks/vector_env_throughput.py                    # the full table (about 2 minutes)
    python benchmarks/vector_env_throughput.py --envs cartpole --num-envs 8 --seconds 1
    python benchmarks/vector_env_throughput.py --startup          # worker start-up: forkserver vs spawn

Backends: rlkit's ``sync`` and ``subprocess`` (``--workers``, 1 and 2 by default) and, for reference,
Gymnasium's ``AsyncVectorEnv`` (one process per env, shared-memory observations, ``SAME_STEP`` autoreset).
Every backend steps the same envs, built by :func:`rlkit.envs.make_env`, with the same pre-drawn random
actions; the clock runs over ``--seconds`` of steps after a warm-up, construction excluded. ``--startup``
times the construction and first reset of a ``subprocess`` vector env in a fresh Python process, for each
start method, cold (the first in the process) and warm (the second). The table is printed and written to
``benchmarks/results/vector_env_throughput.md``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from results_file import write_results

RESULTS = Path(__file__).resolve().parent / "results"

#: name -> the ``env`` section. ``halfcheetah-heavy`` runs 10× the physics substeps per step (``frame_skip``
#: 50 instead of 5) and ``halfcheetah-pixels`` renders an 84×84 camera through a camera model: costly envs,
#: where stepping dominates.
ENVS: dict[str, dict] = {
    "cartpole": {"id": "CartPole-v1"},
    "halfcheetah": {"id": "HalfCheetah-v5"},
    "halfcheetah-heavy": {"id": "HalfCheetah-v5", "kwargs": {"frame_skip": 50}},
    "halfcheetah-pixels": {
        "id": "HalfCheetah-v5",
        "pixels": {},
        "camera": {"noise": {}, "exposure": {}, "white_balance": {}, "jpeg": {}, "random_shift": {}},
    },
}


def build(backend: str, name: str, num_envs: int):
    """``num_envs`` copies of env ``name`` on ``backend``: ``sync``, ``subprocess-W`` (W workers) or
    ``async``."""
    import gymnasium as gym

    from rlkit.config.schema import EnvConfig, RolloutConfig
    from rlkit.envs import make_env
    from rlkit.rollout.vector_env import make_vector_env

    config = EnvConfig.model_validate(ENVS[name])
    if backend == "sync":
        return make_vector_env(config, num_envs)
    if backend.startswith("subprocess-"):
        workers = int(backend.split("-")[1])
        rollout = RolloutConfig(num_envs=num_envs, backend="subprocess", num_workers=workers)
        return make_vector_env(config, num_envs, rollout)
    if backend == "async":
        makers = [functools.partial(make_env, config, check=False)] * num_envs
        return gym.vector.AsyncVectorEnv(
            makers, autoreset_mode=gym.vector.AutoresetMode.SAME_STEP, context="forkserver"
        )
    raise ValueError(f"unknown backend {backend}")


def throughput(backend: str, name: str, num_envs: int, seconds: float) -> float:
    """Env steps per second (summed over envs) over about ``seconds`` of stepping."""
    env = build(backend, name, num_envs)
    try:
        env.action_space.seed(0)
        actions = [env.action_space.sample() for _ in range(64)]  # drawn up front: only stepping is timed
        env.reset(seed=0)
        for step in range(50):
            env.step(actions[step % 64])
        steps, start = 0, time.perf_counter()
        while True:
            for _ in range(64):
                env.step(actions[steps % 64])
                steps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                return steps * num_envs / elapsed
    finally:
        env.close()


STARTUP_PROGRAM = """
import json, sys, time
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.rollout.subprocess_vector_env import SubprocessVectorEnv

method, env_id = sys.argv[1], sys.argv[2]
times = []
for _ in range(2):
    start = time.perf_counter()
    env = SubprocessVectorEnv(EnvConfig(id=env_id), 2, RolloutConfig(num_envs=2, num_workers=2),
                              start_method=method)
    env.reset(seed=0)
    times.append(time.perf_counter() - start)
    env.close()
print(json.dumps(times))
"""


def startup(env_id: str) -> list[str]:
    lines = [
        f"Start-up of a 2-worker subprocess vector env ({env_id}), construction and first reset, seconds:",
        "",
        "| start method | cold (first in the process) | warm (second) |",
        "|---|---|---|",
    ]
    for method in ("forkserver", "spawn"):
        output = subprocess.run(
            [sys.executable, "-c", STARTUP_PROGRAM, method, env_id],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout
        cold, warm = json.loads(output.strip().splitlines()[-1])
        lines.append(f"| {method} | {cold:.2f} | {warm:.2f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--envs", nargs="+", default=list(ENVS), choices=list(ENVS))
    parser.add_argument("--num-envs", nargs="+", type=int, default=[2, 4, 8, 16])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--seconds", type=float, default=1.5, help="stepping time per measurement")
    parser.add_argument("--startup", action="store_true", help="time worker start-up instead")
    args = parser.parse_args()

    if args.startup:
        print("\n".join(startup("CartPole-v1")))
        return
    backends = ["sync", *(f"subprocess-{w}" for w in args.workers), "async"]
    header = ["env", "num_envs", *backends, "subprocess best / sync", "subprocess best / async"]
    lines = [
        f"Env steps per second, random actions, no learning ({platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}). subprocess-W: W worker processes; "
        "async: Gymnasium's AsyncVectorEnv, one process per env.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    print("\n".join(lines), flush=True)
    for name in args.envs:
        for num_envs in args.num_envs:
            rates = {b: throughput(b, name, num_envs, args.seconds) for b in backends}
            best = max(v for b, v in rates.items() if b.startswith("subprocess"))
            cells = [name, str(num_envs), *(f"{rates[b]:,.0f}" for b in backends)]
            ratios = [f"{best / rates['sync']:.2f}×", f"{best / rates['async']:.2f}×"]
            line = "| " + " | ".join([*cells, *ratios]) + " |"
            lines.append(line)
            print(line, flush=True)
    write_results(RESULTS / "vector_env_throughput.md", "\n".join(lines))


if __name__ == "__main__":
    main()
