"""Teams of MuJoCo robots: the cooperative push's success rate, the sumo's wins by self-play, and the batched
backend's speed against sync on the same games.

Usage:
    python benchmarks/mujoco_teams.py                                  # train both presets, then evaluate
    python benchmarks/mujoco_teams.py --push-run RUN --sumo-run RUN    # evaluate finished runs

Trains ``team-push-mappo`` (MAPPO, two mobile bases push a box onto a goal, the sim2real stack per robot)
and ``sumo-selfplay`` (PPO by self-play, two mobile bases in a ring) as fresh ``rlkit train`` processes.
The push is evaluated with ``rlkit eval RUN --episodes 100`` (deterministic, the sim2real stack on): the
share of episodes the box reached its goal (``success_rate``), beside a uniformly random policy on the same
episodes. The sumo policy plays ``rlkit eval RUN --opponent random`` and ``--opponent
RUN/checkpoints/<the checkpoint nearest a quarter of the steps>`` over 200 games each (deterministic, each
robot's seat in turn; the checkpoint samples its actions). Speed: the push preset trained for 100k game
steps on ``rollout.backend sync`` and on ``batched``, in this run, one after the other. Writes
``benchmarks/results/mujoco_teams.md``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from match_play import match_rows, matches, quarter_checkpoint, rlkit
from results_file import write_results

from rlkit.config import load_config
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET, evaluate_policy

RESULTS = Path(__file__).resolve().parent / "results" / "mujoco_teams.md"
PUSH, SUMO = "team-push-mappo", "sumo-selfplay"
EPISODES, GAMES, SPEED_STEPS = 100, 200, 100_000


def evaluate(run: Path) -> dict[str, Any]:
    path = run / f"eval-{EPISODES}.json"
    rlkit("eval", str(run), "--episodes", str(EPISODES), "--output", str(path))
    return json.loads(path.read_text())


def random_push() -> dict[str, Any]:
    """A uniformly random policy on the episodes ``rlkit eval`` runs (its seeds)."""
    config = load_config(PUSH)
    rng = np.random.default_rng(0)

    def random_actions(obs: Any, starts: np.ndarray) -> np.ndarray:
        return rng.uniform(-1.0, 1.0, size=(len(starts), 2))

    result = evaluate_policy(random_actions, config.env, EPISODES, config.train.seed + EVAL_SEED_OFFSET)
    return result.summary()


def steps_per_second(backend: str) -> float:
    """Game steps per second of a short training of the push preset on ``backend``."""
    with tempfile.TemporaryDirectory() as scratch:
        run = Path(scratch) / backend
        rlkit(
            "train", PUSH, f"train.total_steps={SPEED_STEPS}", "eval.episodes=1", "eval.interval=0",
            f"rollout.backend={backend}", "--run-dir", str(run),
        )  # fmt: skip
        return SPEED_STEPS / (train_minutes(run) * 60)


def train_minutes(run: Path) -> float:
    """Minutes of training of a run, from the last row of its ``metrics.csv``."""
    rows = (run / "metrics.csv").read_text().splitlines()
    return float(rows[-1].split(",")[rows[0].split(",").index("wall_time")]) / 60


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--push-run", type=Path, help="a finished run of team-push-mappo")
    parser.add_argument("--sumo-run", type=Path, help="a finished run of sumo-selfplay")
    args = parser.parse_args()
    push_run = args.push_run or Path("runs") / PUSH
    sumo_run = args.sumo_run or Path("runs") / SUMO
    if args.push_run is None:
        rlkit("train", PUSH, "--run-dir", str(push_run))
    if args.sumo_run is None:
        rlkit("train", SUMO, "--run-dir", str(sumo_run))
    push, baseline = evaluate(push_run), random_push()
    quarter = quarter_checkpoint(sumo_run)
    sumo_rows = [
        ("a robot driven at random (uniform actions)", matches(sumo_run, "random", "random", GAMES)),
        (f"itself at `{quarter.name}` (sampling)", matches(sumo_run, str(quarter), "quarter", GAMES)),
    ]
    sync, batched = steps_per_second("sync"), steps_per_second("batched")
    runs = {"push": push_run, "sumo": sumo_run}
    trained = {name: json.loads((run / "eval.json").read_text()) for name, run in runs.items()}
    minutes = {name: train_minutes(run) for name, run in runs.items()}
    given = "".join(
        f" --{name}-run {run}" for name, run in (("push", args.push_run), ("sumo", args.sumo_run)) if run
    )
    lines = [
        "# Teams of MuJoCo robots",
        "",
        f"Command: `python benchmarks/mujoco_teams.py{given}`",
        "",
        f"## Cooperative: `rlkit/TeamPush-v0`, preset `{PUSH}`",
        "",
        f"Two mobile bases push a box onto a goal placed 0.6-1.0 m away at random, under the sim2real stack "
        f"per robot. {trained['push']['env_steps']:,} game steps of training in {minutes['push']:.1f} min; "
        f"{EPISODES} deterministic evaluation episodes (success: the box within 0.1 m of the goal before "
        "10 s).",
        "",
        "| policy | success rate | mean episode length (steps) | return per robot |",
        "|---|---:|---:|---:|",
        f"| MAPPO | {push['success_rate']:.0%} | {push['mean_length']:.1f} | {push['mean_return']:.1f} |",
        f"| random | {baseline['success_rate']:.0%} | {baseline['mean_length']:.1f} | "
        f"{baseline['mean_return']:.1f} |",
        "",
        f"## Competitive: `rlkit/Sumo-v0`, preset `{SUMO}`",
        "",
        f"Two mobile bases in a ring 1 m in radius; a robot whose centre leaves it loses. "
        f"{trained['sumo']['env_steps']:,} game steps of self-play in {minutes['sumo']:.1f} min; {GAMES} "
        "games per opponent.",
        "",
        *match_rows(sumo_rows, illegal_moves=False),
        "",
        "## Speed",
        "",
        f"`{PUSH}` trained for {SPEED_STEPS:,} game steps (2 robots each) on each backend, in this run: "
        f"sync {sync:,.0f} game steps/s, batched {batched:,.0f} game steps/s: **{batched / sync:.1f}x**.",
    ]
    write_results(RESULTS, "\n".join(lines) + "\n")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
