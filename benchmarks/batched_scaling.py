"""Batched-backend scaling: env steps/s, physics limit, policy inference and memory per env over num_envs.

Usage:
    python benchmarks/batched_scaling.py                      # the full table (a few minutes on 2 cores)
    python benchmarks/batched_scaling.py --tasks rlkit/Walker-v0 --num-envs 256 4096 --threads 2 --seconds 0.5

For each task, ``num_envs`` and thread count:

* **batched** and **physics limit**: as in ``batched_throughput.py`` (its :func:`batched_and_physics`): the
  batched env with fresh random actions every step, and the sim steps that same run took over the seconds it
  spent inside ``mujoco.batch.Batch.step``, so the physics in C with no Python per step, on the same
  threads, the same ``num_envs`` and the same trajectories;
* **policy forward**: the seconds of one ``explore`` call of the ``walker-ppo-batched`` preset's PPO agent
  (observation normalization, actor and critic, a sample and its log-probability; the network the preset
  trains, on one torch thread as ``train.torch_threads`` sets it) over ``num_envs`` observations, against
  the seconds of one vector step of the batched env: where it is small, inference is not the bottleneck;
* **memory per env**: the growth of the resident set (``/proc/self/statm``, Linux) of a fresh Python process
  over building the batched env, resetting it and stepping it once, over ``num_envs`` (one thread); the
  process has imported everything before the first reading, so the growth is the env's own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch
from batched_throughput import batched_and_physics, random_actions
from results_file import write_results

from rlkit.config.loading import load_config
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.rollout.vector_env import make_vector_env
from rlkit.runs.build import build_agent

RESULTS = Path(__file__).resolve().parent / "results"
TASKS = ["rlkit/Walker-v0", "rlkit/CartPoleSwingup-v0", "HalfCheetah-v5"]
NUM_ENVS = [16, 64, 256, 1024, 4096]
THREADS = [1, 2]
#: The preset whose agent's inference is timed.
PRESET = "walker-ppo-batched"


def resident_bytes() -> int:
    """This process's resident set size in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def env_memory(env_id: str, num_envs: int) -> int:
    """Resident bytes a batched env of ``num_envs`` adds when built, reset and stepped once (this process)."""
    config, rollout = EnvConfig(id=env_id), RolloutConfig(backend="batched", threads=1)
    make_vector_env(config, 1, rollout).close()  # first use of the task's modules and model, not counted
    before = resident_bytes()
    env = make_vector_env(config, num_envs, rollout)
    env.reset(seed=0)
    env.step(random_actions(env.single_action_space, num_envs)[0])  # type: ignore[arg-type]
    grown = resident_bytes() - before
    env.close()
    return grown


def memory_in_fresh_process(env_id: str, num_envs: int) -> int:
    """:func:`env_memory` measured in a new Python process, so no earlier env's freed memory is reused."""
    command = [sys.executable, __file__, "--memory-of", env_id, str(num_envs)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr}")
    return int(json.loads(done.stdout.strip().splitlines()[-1])["bytes"])


def policy_seconds(env_id: str, num_envs: int, seconds: float) -> float:
    """Seconds of one ``explore`` call of :data:`PRESET`'s agent over ``num_envs`` observations of a task."""
    config = load_config(PRESET, [f"env.id={env_id}", f"rollout.num_envs={num_envs}"])
    env = make_vector_env(config.env, num_envs, RolloutConfig(backend="batched", threads=1))
    obs, _ = env.reset(seed=0)
    torch.set_num_threads(config.train.torch_threads or torch.get_num_threads())
    agent = build_agent(config, env.single_observation_space, env.single_action_space, torch.device("cpu"))
    env.close()
    for _ in range(3):
        agent.explore(obs, 0)
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        agent.explore(obs, 0)
        count += 1
    return elapsed / count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", nargs="+", default=TASKS)
    parser.add_argument("--num-envs", nargs="+", type=int, default=NUM_ENVS)
    parser.add_argument("--threads", nargs="+", type=int, default=THREADS)
    parser.add_argument("--seconds", type=float, default=1.0, help="clock per measurement")
    parser.add_argument("--note", default="", help="a line about the machine's load, written with the table")
    parser.add_argument("--memory-of", nargs=2, metavar=("TASK", "NUM_ENVS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_of:  # the child process of memory_in_fresh_process
        print(json.dumps({"bytes": env_memory(args.memory_of[0], int(args.memory_of[1]))}))
        return

    header = (
        "| task | num_envs | threads | physics limit | batched env | batched / physics | "
        "vector step | policy forward | forward / step | RSS per env |"
    )
    rows = [header, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    print(header, flush=True)
    load_before = os.getloadavg()[0]
    for env_id in args.tasks:
        for num_envs in args.num_envs:
            memory = memory_in_fresh_process(env_id, num_envs)
            forward = policy_seconds(env_id, num_envs, args.seconds / 2)
            for threads in args.threads:
                batched, limit = batched_and_physics(EnvConfig(id=env_id), num_envs, threads, args.seconds)
                step = num_envs / batched
                row = (
                    f"| {env_id} | {num_envs} | {threads} | {limit:,.0f} | {batched:,.0f} | "
                    f"{batched / limit:.0%} | {step * 1e3:.2f} ms | {forward * 1e3:.2f} ms | "
                    f"{forward / step:.0%} | {memory / num_envs / 1024:,.1f} KiB |"
                )
                rows.append(row)
                print(row, flush=True)

    command = "python " + " ".join(["benchmarks/batched_scaling.py", *sys.argv[1:]])
    text = "\n".join(
        [
            "# Batched backend scaling",
            "",
            "Env steps per second of `rollout.backend: batched` with random actions (no learning) over "
            "`num_envs` and `rollout.threads`, next to its physics limit: the sim steps of that same run "
            "over the seconds it spent inside `mujoco.batch.Batch.step` (MuJoCo in C, no Python per step, "
            "same threads, same sims, resets included; measured as in "
            "[batched_throughput.md](batched_throughput.md)). `vector step` is the batched env's wall time "
            "per vector step (`num_envs` env steps); `policy forward` one `explore` call of the "
            f"`{PRESET}` preset's PPO agent (normalization, actor and critic, a sample and its "
            "log-probability, one torch thread) over `num_envs` observations; `forward / step` their ratio, "
            "the inference a training rollout adds per vector step. `RSS per env` is the growth of a fresh "
            "process's resident set (`/proc/self/statm`) over building the batched env, resetting it and "
            "stepping it once, divided by `num_envs` (one thread; the task's model loaded before the first "
            f"reading). Each speed is one measurement of {args.seconds:g} s after a warm-up (the forward "
            f"pass: {args.seconds / 2:g} s), in one process.",
            "",
            f"Command: `{command}`",
            "",
            f"Machine: {os.cpu_count()} CPU cores, 1-minute load average {load_before:.1f} when the run "
            f"started and {os.getloadavg()[0]:.1f} when it ended. {args.note}".rstrip(),
            "",
            *rows,
        ]
    )
    write_results(RESULTS / "batched_scaling.md", text)


if __name__ == "__main__":
    main()
