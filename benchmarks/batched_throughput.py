"""Batched-backend throughput: env steps/s with random actions, against the physics limit and ``sync``.

Usage:
    python benchmarks/batched_throughput.py                       # the full table (a minute or more)
    python benchmarks/batched_throughput.py --tasks HalfCheetah-v5 --num-envs 256 --threads 2 --seconds 1
    python benchmarks/batched_throughput.py --sim2real             # the sim2real stack's table

For each task, ``num_envs`` and thread count, in one run and one process:

* **batched**: ``rollout.backend: batched`` (:class:`rlkit.rollout.batched.BatchedVectorEnv`), fresh random
  actions every step, observations, rewards, terminations, time limits and autoresets included;
* **physics limit**: the physics of that same run alone: the sim steps it took over the seconds it spent
  inside its batch's step call (``mujoco.batch.Batch.step``, timed around each call), so on the very
  trajectories the batched env stepped, resets included; ``batched / physics`` is the share of the batched
  env's wall time spent stepping MuJoCo;
* **sync**: ``rollout.backend: sync`` (a ``SyncVectorEnv`` of the task's envs: rlkit's ``MujocoEnv``, or
  Gymnasium's own for ``HalfCheetah-v5``), the same actions; it runs on one thread, so it is measured once
  per ``num_envs``.

With ``--sim2real``, the second table instead: the sim2real stack of ``walker-ppo-sim2real``
(``env.randomization``: physics parameters redrawn at every reset and pushes; ``env.sensors``,
``env.actuators``: action noise and latency, observation noise per channel group and observation latency; on
the cart-pole its two channel groups are the positions and the velocities, and the pole is pushed), on the
batched env against the raw batched env (no models) and against ``sync`` with the same stack, side by side.

The clock runs over ``--seconds`` of steps after a warm-up, construction excluded. The table is printed and
written to ``benchmarks/results/batched_throughput.md`` (``--sim2real`` rewrites only its own section).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from results_file import write_results

from rlkit.config.loading import load_config
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.vector_env import make_vector_env

RESULTS = Path(__file__).resolve().parent / "results"
TASKS = ["rlkit/Walker-v0", "rlkit/CartPoleSwingup-v0", "HalfCheetah-v5"]
NUM_ENVS = [16, 64, 256, 1024]
THREADS = [1, 2]
SIM2REAL_PRESET = "walker-ppo-sim2real"
#: The tasks of ``--sim2real``: rlkit's, whose sim2real layers the batched backend runs.
SIM2REAL_TASKS = ["rlkit/Walker-v0", "rlkit/CartPoleSwingup-v0"]
#: The preset's sensor groups select the walker's channels; on the cart-pole, the same groups by meaning.
SIM2REAL_CHANNELS = {
    "rlkit/CartPoleSwingup-v0": {
        "qpos:.*": "cart_position|pole_axis.*",
        "qvel:.*": ".*velocity",
    }
}
#: The preset pushes the walker's torso; the cart-pole's pushed body.
SIM2REAL_PUSHED = {"rlkit/CartPoleSwingup-v0": "pole"}
SIM2REAL_SECTION = "## With the sensor and actuator models"
#: How to read the main table, written above it.
READING = [
    "Reading it: the batched env steps the same sims as its physics limit, so `batched / physics` is the "
    "Python share's complement (observations, rewards, resets, infos on arrays); `HalfCheetah-v5` runs "
    "Gymnasium's own task (its XML, observations, rewards, infos and resets, bit-identical to `sync`, which "
    "steps Gymnasium's own envs). Sync and batched figures of one row are measured one after the other, so "
    "load that changes between them moves their ratio; the physics share is free of that (one run).",
]


def steps_per_second(
    step: Callable[[int], None], num_envs: int, seconds: float, start_clock: Callable[[], None] = lambda: None
) -> float:
    """Env steps per second of ``step(i)`` (one vector step), over ``seconds`` after a short warm-up
    (``start_clock`` is called at its end)."""
    for i in range(3):
        step(i)
    start_clock()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        step(count)
        count += 1
    return count * num_envs / elapsed


def random_actions(space: gym.spaces.Box, num_envs: int, seed: int = 0) -> np.ndarray:
    """64 vector steps of uniform random actions, cycled through by the benchmarks."""
    return (
        np.random.default_rng(seed)
        .uniform(space.low, space.high, (64, num_envs, *space.shape))
        .astype(np.float32)
    )


class TimedBatch:
    """A ``mujoco.batch.Batch`` whose ``step`` calls are timed: the seconds spent inside them and the sim
    steps they took since :meth:`start`; every other attribute is the batch's."""

    def __init__(self, batch: Any) -> None:
        self.batch = batch
        self.seconds = 0.0
        self.sim_steps = 0

    def step(self, ids: Any = None, **kwargs: Any) -> None:
        start = time.perf_counter()
        self.batch.step(ids, **kwargs)
        self.seconds += time.perf_counter() - start
        self.sim_steps += self.batch.nsim if ids is None else len(ids)

    def start(self) -> None:
        self.seconds, self.sim_steps = 0.0, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.batch, name)


def batched_and_physics(
    config: EnvConfig, num_envs: int, threads: int, seconds: float
) -> tuple[float, float]:
    """The batched env's env steps/s with random actions, and the physics limit of the same run: its sim
    steps per second spent inside the batch's step call."""
    env = make_vector_env(config, num_envs, RolloutConfig(backend="batched", threads=threads))
    assert isinstance(env, BatchedVectorEnv)
    sims: Any = env.handed_to.sims if env.handed_to is not None else env.sims
    sims.batch = timed = TimedBatch(sims.batch)
    env.reset(seed=0)
    actions = random_actions(env.single_action_space, num_envs)  # type: ignore[arg-type]
    rate = steps_per_second(lambda i: env.step(actions[i % len(actions)]), num_envs, seconds, timed.start)
    env.close()
    return rate, timed.sim_steps / timed.seconds


def sim2real_config(env_id: str) -> EnvConfig:
    """``env_id`` with the randomization and the sensor and actuator models of the ``walker-ppo-sim2real``
    preset."""
    sections = load_config(SIM2REAL_PRESET).env.model_dump(include={"randomization", "sensors", "actuators"})
    renamed = SIM2REAL_CHANNELS.get(env_id, {})
    for model in sections["sensors"]["models"]:
        model["channels"] = renamed.get(model["channels"], model["channels"])
    pushes = sections["randomization"]["pushes"]
    if pushes is not None:
        pushes["body"] = SIM2REAL_PUSHED.get(env_id, pushes["body"])
    return EnvConfig(id=env_id, **sections)


def vector(config: EnvConfig, num_envs: int, rollout: RolloutConfig, seconds: float) -> float:
    """A vector env on ``rollout``'s backend, with random actions."""
    env = make_vector_env(config, num_envs, rollout)
    env.reset(seed=0)
    actions = random_actions(env.single_action_space, num_envs)  # type: ignore[arg-type]
    rate = steps_per_second(lambda i: env.step(actions[i % len(actions)]), num_envs, seconds)
    env.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", nargs="+", help=f"default: {TASKS}; with --sim2real {SIM2REAL_TASKS}")
    parser.add_argument("--num-envs", nargs="+", type=int, default=NUM_ENVS)
    parser.add_argument("--threads", nargs="+", type=int, default=THREADS)
    parser.add_argument("--seconds", type=float, default=1.0, help="clock per measurement")
    parser.add_argument(
        "--note",
        default="",
        help="a line about the machine's load, written with the table",
    )
    parser.add_argument(
        "--sim2real",
        action="store_true",
        help=f"measure the table with {SIM2REAL_PRESET}'s randomization, sensor and actuator models instead",
    )
    args = parser.parse_args()
    if args.sim2real:
        args.tasks = args.tasks or SIM2REAL_TASKS
        sim2real_table(args)
        return
    args.tasks = args.tasks or TASKS

    header = (
        "| task | num_envs | threads | "
        + "physics limit | batched env | batched / physics | sync | batched / sync |"
    )
    rows = [header, "|---|---:|---:|---:|---:|---:|---:|---:|"]
    print(header, flush=True)
    for env_id in args.tasks:
        for num_envs in args.num_envs:
            sync = vector(
                EnvConfig(id=env_id),
                num_envs,
                RolloutConfig(backend="sync"),
                args.seconds,
            )
            for threads in args.threads:
                batched, limit = batched_and_physics(EnvConfig(id=env_id), num_envs, threads, args.seconds)
                row = (
                    f"| {env_id} | {num_envs} | {threads} | {limit:,.0f} | {batched:,.0f} | "
                    f"{batched / limit:.0%} | {sync:,.0f} | {batched / sync:.1f}× |"
                )
                rows.append(row)
                print(row, flush=True)

    command = "python " + " ".join(["benchmarks/batched_throughput.py", *sys.argv[1:]])
    text = "\n".join(
        [
            "# Batched backend throughput",
            "",
            "Env steps per second with random actions (no learning): `rollout.backend: batched`, its "
            "physics limit, and `rollout.backend: sync` (one thread; the same figure on both thread rows). "
            "The physics limit is measured inside the batched env's own run: the sim steps it took over the "
            "seconds it spent inside its batch's step call (`mujoco.batch.Batch.step`, timed around each "
            "call), so on the same trajectories, resets included; `batched / physics` is the share of the "
            "batched env's wall time spent stepping MuJoCo, at most 100 %. Each figure is one measurement "
            f"of {args.seconds:g} s after a warm-up, in one process; ratios are side by side in the same "
            "run.",
            "",
            f"Command: `{command}`",
            "",
            f"Machine: {os.cpu_count()} CPU cores. {args.note}".rstrip(),
            "",
            *READING,
            "",
            *rows,
        ]
    )
    path = RESULTS / "batched_throughput.md"
    # the --sim2real table's section (measured apart, with its own provenance line) is kept after this one
    kept = path.read_text().split(SIM2REAL_SECTION, 1) if path.exists() else []
    write_results(path, text)
    if len(kept) == 2:
        path.write_text(path.read_text() + "\n" + SIM2REAL_SECTION + kept[1].rstrip("\n") + "\n")


def sim2real_table(args: argparse.Namespace) -> None:
    """The batched env with the preset's sim2real stack, against raw batched and ``sync``."""
    header = (
        "| task | num_envs | threads | batched raw | batched + models | models' cost | sync + models | "
        "batched / sync (both + models) |"
    )
    rows = [header, "|---|---:|---:|---:|---:|---:|---:|---:|"]
    print(header, flush=True)
    for env_id in args.tasks:
        config = sim2real_config(env_id)
        for num_envs in args.num_envs:
            sync = vector(config, num_envs, RolloutConfig(backend="sync"), args.seconds)
            for threads in args.threads:
                batched = RolloutConfig(backend="batched", threads=threads)
                raw = vector(EnvConfig(id=env_id), num_envs, batched, args.seconds)
                modelled = vector(config, num_envs, batched, args.seconds)
                row = (
                    f"| {env_id} | {num_envs} | {threads} | {raw:,.0f} | {modelled:,.0f} | "
                    f"{1 - modelled / raw:+.0%} | {sync:,.0f} | {modelled / sync:.1f}× |"
                )
                rows.append(row)
                print(row, flush=True)

    command = "python " + " ".join(["benchmarks/batched_throughput.py", *sys.argv[1:]])
    sections = load_config(SIM2REAL_PRESET).env
    section = "\n".join(
        [
            SIM2REAL_SECTION,
            "",
            f"Env steps per second with random actions, with the physics randomization, pushes, sensor and "
            f"actuator models of `{SIM2REAL_PRESET}` (`env.randomization`: "
            f"{sections.randomization.model_dump(exclude_defaults=True)}; "
            f"`env.actuators`: {sections.actuators.model_dump(exclude_defaults=True)}; "
            f"`env.sensors`: {sections.sensors.model_dump(exclude_defaults=True)}; on the cart-pole the two "
            "channel groups are its positions and its velocities, and the pole is pushed). `batched raw` is "
            'the batched env without them ("the models" below), `models\' cost` the share of its '
            "throughput they take (negative: faster, i.e. noise of the load), `sync + models` the `sync` "
            "backend with the same models (one thread; "
            f"the same figure on both thread rows). Each figure is one measurement of {args.seconds:g} s "
            "after a warm-up, side by side in one process.",
            "",
            f"Command: `{command}`",
            "",
            f"Machine: {os.cpu_count()} CPU cores. {args.note}".rstrip(),
            "",
            "Reading it: the models' cost is their Python and NumPy work per vector step (one call per "
            "effect for all envs, each env's random draws, which come from its own stream to give "
            "`sync`'s numbers, and at every reset the new episode's physics parameters and the derived "
            "constants of the sims that reset), so it is largest at few envs (16) and on the cart-pole, "
            "whose physics is cheapest. On the walker the randomized physics, pushes and actuator noise "
            "and latency also change the trajectories (falls, resets, contacts), so the two batched "
            "columns do not step the same physics; the cart-pole's physics costs little either way, which "
            "shows the models' own cost best.",
            "",
            *rows,
        ]
    )
    path = RESULTS / "batched_throughput.md"
    kept = (
        path.read_text().split(SIM2REAL_SECTION)[0].rstrip()
        if path.exists()
        else "# Batched backend throughput"
    )
    write_results(path, kept + "\n\n" + section)


if __name__ == "__main__":
    main()
