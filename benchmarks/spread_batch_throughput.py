"""simple_spread throughput: game steps per second with random actions, no learning, ``sync`` against
``batched`` (:class:`rlkit.envs.multi_agent.spread_batch.SpreadGames`), in one process.

Usage:
    python benchmarks/spread_batch_throughput.py                          # 128 games of spread-mappo's
    python benchmarks/spread_batch_throughput.py --games 32 --seconds 1 --continuous

Each backend steps ``--games`` games of ``mpe2:simple_spread_v3`` (``spread-mappo``'s: 3 agents, 25-step
episodes, a critic on the global state) with the same pre-drawn random actions, two ways: the vector env of
games alone, and the agent rows a training run steps (:class:`rlkit.rollout.agent_rows.AgentRowsVectorEnv`
over the games). The clock runs over ``--seconds`` of steps after a warm-up, construction excluded;
autoresets (every 25 steps) are included. Writes ``benchmarks/results/spread_batch_throughput.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from results_file import write_results

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.rollout.vector_env import make_vector_env

RESULTS = Path(__file__).resolve().parent / "results" / "spread_batch_throughput.md"


def throughput(env: Any, actions: list[np.ndarray], games: int, seconds: float) -> float:
    """Game steps per second (summed over games) over about ``seconds`` of stepping ``env``."""
    env.reset(seed=0)
    for step in range(50):
        env.step(actions[step % len(actions)])
    steps, start = 0, time.perf_counter()
    while True:
        for action in actions:
            env.step(action)
            steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return steps * games / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--games", type=int, default=128, help="games stepped side by side (default 128)")
    parser.add_argument("--agents", type=int, default=3, help="agents (and landmarks) per game (default 3)")
    parser.add_argument("--seconds", type=float, default=3.0, help="stepping time per measure (default 3)")
    parser.add_argument("--continuous", action="store_true", help="Box actions instead of Discrete moves")
    args = parser.parse_args()
    config = EnvConfig(
        id="mpe2:simple_spread_v3",
        kwargs={"N": args.agents, "max_cycles": 25, "continuous_actions": args.continuous},
        agents={"critic": "state"},
    )
    rates: dict[tuple[str, str], float] = {}
    for backend in ("sync", "batched"):
        rows = make_vector_env(config, args.games, RolloutConfig(backend=backend))
        for level, env in (("games", rows.games), ("agent rows", rows)):
            env.action_space.seed(0)
            actions = [env.action_space.sample() for _ in range(64)]  # drawn up front: only stepping is timed
            rates[backend, level] = throughput(env, actions, args.games, args.seconds)
        rows.close()
    kind = "Box" if args.continuous else "Discrete"
    lines = [
        "# MPE simple_spread: game steps per second, sync against batched",
        "",
        f"Command: `{' '.join(['python benchmarks/spread_batch_throughput.py', *sys.argv[1:]])}`",
        "",
        f"`mpe2:simple_spread_v3`, {args.agents} agents, {kind} actions, {args.games} games side by side, "
        "random actions drawn up front, no learning, one process. The games alone, and the agent rows a "
        "training run steps.",
        "",
        "| stepped | sync (game steps/s) | batched (game steps/s) | batched / sync |",
        "|---|---:|---:|---:|",
    ]
    for level in ("games", "agent rows"):
        sync, batched = rates["sync", level], rates["batched", level]
        lines.append(f"| {level} | {sync:,.0f} | {batched:,.0f} | {batched / sync:.0f}x |")
    write_results(RESULTS, "\n".join(lines) + "\n")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
