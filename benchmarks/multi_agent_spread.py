"""Recurrent MAPPO, MAPPO and IPPO on the Multi Particle Environments' simple_spread (3 agents, 25-step
episodes), against a random policy, a hand-written controller and the published MAPPO figure.

Usage:
    python benchmarks/multi_agent_spread.py          # train the three presets, then evaluate
    python benchmarks/multi_agent_spread.py --runs spread-mappo=RUN spread-ippo=RUN  # finished runs only

Trains ``spread-rmappo`` (MAPPO with a GRU actor and critic, as MAPPO's own script runs it),
``spread-mappo`` (the same with feed-forward networks) and ``spread-ippo`` (feed-forward, each agent's
critic on its own observation), each timed as a fresh ``rlkit train`` process, then evaluates each
deterministic policy with ``rlkit eval RUN --episodes 1000``, a uniformly random policy and a controller
that sees the whole game on the same 1000 episode seeds, on PettingZoo's game and in MAPPO's arena
(:mod:`mappo_spread_arena`). Returns are per agent (an agent's rewards summed over the episode, averaged
over the agents), with the team's (the agents' summed) beside them.

Writes ``benchmarks/results/multi_agent_spread.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from mappo_spread_arena import mappo_score
from match_play import rlkit
from results_file import write_results
from scipy.optimize import linear_sum_assignment  # mpe2's dependency

from rlkit.config.loading import load_config
from rlkit.config.schema import EnvConfig
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET, evaluate_policy

RESULTS = Path(__file__).resolve().parent / "results" / "multi_agent_spread.md"
#: Published figures for the same task and episode length, with what each measures.
REFERENCES = [
    "Published figures (25-step episodes, 3 agents; none measured on this machine):",
    "",
    "- MAPPO's own code (marlbenchmark/on-policy, `onpolicy/runner/shared/mpe_runner.py`) logs "
    "`average_episode_rewards`, the mean step reward per agent times 25, on its own MPE, where every agent "
    "receives the sum of all agents' rewards and an agent's collision with itself counts. Runs of the "
    "official script (`train_mpe_spread.sh`: rmappo, 128 envs, 20M env steps) converge at about -120 as its "
    "users report it (on-policy issues #49 and #112; the paper's own table could not be read here), the "
    "training episodes' figure. The column MAPPO's score is that quantity for the policies here, in MAPPO's "
    "arena (the landmarks placed in 0.8 x [-1, 1], as MAPPO's scenario places them, closer together than "
    "PettingZoo's [-1, 1]): exactly 2 x (PettingZoo's team return) - 75, `benchmarks/mappo_spread_arena.py` "
    "and its test.",
    "- MARLlib's result files (Replicable-MARL/MARLlib, `results/mpe_cooperative/simple_spread/`, "
    "PettingZoo `simple_spread_v2`, 20M env steps) end at -32.4 to -32.8 for its (GRU) MAPPO, but they do "
    "not measure the team return used here: every curve starts at -36 to -39 at its first point (2,500 "
    "env steps, the untrained policy; vanilla policy gradient's at -35 after 20,000) where random actions "
    "score about -80 here, and changes little after (MARLlib issue #236 suspects they hold RLlib's "
    "`episode_reward_max`, the best episode). They are not a target.",
]
PRESETS = {"rMAPPO": "spread-rmappo", "MAPPO": "spread-mappo", "IPPO": "spread-ippo"}
#: Evaluation episodes of every policy: the standard error of a team return is then about 0.3 (over 100
#: episodes the episode set alone moved a policy's team return by 1.5, as much as the gaps it measures).
EPISODES = 1000
#: The stretch of training whose episodes the training figure averages (MAPPO's logs average training's).
LAST_STEPS = 1_000_000
#: Seconds of velocity the assignment controller subtracts from its position error (its damping, the best
#: of 0.1, 0.2, 0.3, 0.4 and 0.6 on the first 100 of these episodes).
ASSIGNMENT_DAMPING = 0.2
#: The same game with MAPPO's landmark placement (benchmarks/mappo_spread_arena.py).
MAPPO_ARENA = "mappo_spread_arena:parallel_env"


def evaluate(run: Path, env_id: str | None = None, episodes: int = EPISODES) -> dict[str, Any]:
    """``rlkit eval RUN`` over ``episodes`` episodes, on the run's own game or on ``env_id``."""
    if env_id is None:
        path = run / f"eval-{episodes}.json"
        rlkit("eval", str(run), "--episodes", str(episodes), "--output", str(path))
    else:  # the eval process imports the game's module from this folder
        path = run / f"eval-{episodes}-{env_id.partition(':')[0]}.json"
        here, paths = str(Path(__file__).resolve().parent), os.environ.get("PYTHONPATH", "")
        if here not in paths.split(os.pathsep):
            os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [here, paths]))
        rlkit("eval", str(run), "--episodes", str(episodes), "--output", str(path), f"env.id={env_id}")
    return json.loads(path.read_text())


def game(env_id: str | None = None) -> EnvConfig:
    """The presets' ``env`` section, on ``env_id`` where given."""
    env = load_config(PRESETS["MAPPO"]).env
    return env if env_id is None else env.model_copy(update={"id": env_id})


def score_in_mappo_arena(summary: dict[str, Any], env: EnvConfig) -> str:
    """MAPPO's ``average_episode_rewards`` of an evaluation on :data:`MAPPO_ARENA`, ± its standard error."""
    agents = int(env.kwargs["N"])
    score = mappo_score(summary["team_return"], agents, int(env.kwargs["max_cycles"]))
    # the score is 2 x the team return (plus a constant), the team's return N x the agents' mean
    error = 2 * agents * summary["std_return"] / np.sqrt(summary["episodes"])
    return f"{score:.1f} ± {error:.1f}"


def training_team_return(run: Path) -> float:
    """The team return of the training episodes over the last :data:`LAST_STEPS` env steps (the mean of
    ``metrics.csv``'s ``team/return_mean`` rows there): what a learning curve, and the published figures,
    report, the policy sampling as it learns."""
    with (run / "metrics.csv").open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("team/return_mean")]
    end = int(rows[-1]["env_steps"])
    last = [float(row["team/return_mean"]) for row in rows if int(row["env_steps"]) > end - LAST_STEPS]
    return float(np.mean(last))


def random_policy(env: EnvConfig, episodes: int = EPISODES) -> dict[str, Any]:
    """A uniformly random policy on the episodes ``rlkit eval`` runs (its seeds)."""
    config = load_config(PRESETS["MAPPO"])
    rng = np.random.default_rng(0)

    def random_actions(obs: dict[str, np.ndarray], starts: np.ndarray) -> np.ndarray:
        return rng.integers(0, 5, size=len(starts))

    result = evaluate_policy(random_actions, env, episodes, config.train.seed + EVAL_SEED_OFFSET)
    return result.summary()


def assignment_controller(env: EnvConfig, episodes: int = EPISODES) -> dict[str, Any]:
    """A hand-written controller that sees the whole game, on the episodes ``rlkit eval`` runs: every step
    it assigns agents to landmarks by the least total distance (Hungarian), and each agent pushes along the
    axis of its largest position error, damped by its velocity. It ignores collisions. A reference for
    how well the task can be done, not a bound: a learned policy acts on its own observation alone."""
    config = load_config(PRESETS["MAPPO"])
    agents = int(config.env.kwargs["N"])  # as many landmarks as agents

    def assigned_pushes(obs: dict[str, np.ndarray], starts: np.ndarray) -> np.ndarray:
        # rows are game-major (row g * agents + i is agent i) and each carries its game's state: every agent's
        # observation, which starts with its velocity, its position and the landmarks relative to it
        own = obs["privileged"][::agents].reshape(-1, agents, obs["privileged"].shape[1] // agents)
        velocity, position = own[..., 0:2], own[..., 2:4]
        landmarks = position[:, :1] + own[:, 0, 4 : 4 + 2 * agents].reshape(-1, agents, 2)
        targets = np.empty_like(position)
        for game in range(len(own)):
            distances = np.linalg.norm(position[game][:, None] - landmarks[game], axis=-1)
            targets[game] = landmarks[game, linear_sum_assignment(distances)[1]]
        error = (targets - position - ASSIGNMENT_DAMPING * velocity).reshape(-1, 2)
        axis = np.argmax(np.abs(error), axis=1)
        # discrete actions: 0 none, 1 -x, 2 +x, 3 -y, 4 +y
        return 1 + 2 * axis + (error[np.arange(len(error)), axis] > 0)

    result = evaluate_policy(assigned_pushes, env, episodes, config.train.seed + EVAL_SEED_OFFSET)
    return result.summary()


def row(name: str, summary: dict[str, Any], arena: str, training: str, wall: str, steps: str) -> str:
    return (
        f"| {name} | {summary['mean_return']:.2f} ± {summary['std_return']:.2f} | "
        f"{summary['team_return']:.2f} | {arena} | {training} | {steps} | {wall} |"
    )


def finished_runs(parser: argparse.ArgumentParser, given: list[str]) -> dict[str, Path]:
    """``--runs``' ``PRESET=RUN`` pairs in :data:`PRESETS`' order; a bad one exits through ``parser``."""
    runs: dict[str, Path] = {}
    for pair in given:
        preset, _, run = pair.partition("=")
        if preset not in PRESETS.values() or not run:
            parser.error(f"--runs {pair!r}: expected PRESET=RUN, PRESET one of {', '.join(PRESETS.values())}")
        if not (Path(run) / "metrics.csv").is_file():
            parser.error(f"--runs {pair!r}: {run} is not a finished run directory (no metrics.csv)")
        runs[preset] = Path(run)
    return {preset: runs[preset] for preset in PRESETS.values() if preset in runs}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs",
        nargs="+",
        metavar="PRESET=RUN",
        help=f"finished runs of the presets ({', '.join(PRESETS.values())}) to evaluate, not train",
    )
    parser.add_argument("--output", type=Path, default=Path("runs"), help="where new runs go")
    args = parser.parse_args()
    if args.runs is None:
        runs = {preset: args.output / preset for preset in PRESETS.values()}
        for preset, run in runs.items():
            rlkit("train", preset, "--run-dir", str(run))
    else:
        runs = finished_runs(parser, args.runs)
    given = f" --runs {' '.join(f'{preset}={run}' for preset, run in runs.items())}" if args.runs else ""
    lines = [
        "# Multi-agent: recurrent MAPPO, MAPPO and IPPO on MPE simple_spread",
        "",
        f"Command: `python benchmarks/multi_agent_spread.py{given}`",
        "",
        f"`mpe2:simple_spread_v3` (3 agents, 3 landmarks, 25-step episodes, discrete actions, PettingZoo's "
        f"reward: half the shared distance term, half the agent's own collisions), {EPISODES} evaluation "
        "episodes with the same seeds for every policy, deterministic trained policies. Return: an agent's "
        "rewards summed over the episode, averaged over the agents (± std over episodes); team: the "
        "agents' returns summed. Training team return: the mean team return of the training episodes over "
        f"the last {LAST_STEPS:,} env steps (the policy sampling as it learns), the episodes MAPPO's own "
        "logs average. MAPPO's score: MAPPO's own `average_episode_rewards` (exactly 2 x team return - 75) "
        f"of the same policy on the same seeds in MAPPO's arena (its landmarks placed in "
        "0.8 x [-1, 1], `benchmarks/mappo_spread_arena.py`) ± its standard error, the figure MAPPO's "
        "published runs report.",
        "",
        "| policy | return per agent | team return | MAPPO's score, its arena | training team return "
        "| env steps | training wall time |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    arena = game(MAPPO_ARENA)
    names = {preset: name for name, preset in PRESETS.items()}
    for preset, run in runs.items():
        name = names[preset]
        summary = evaluate(run)
        score = score_in_mappo_arena(evaluate(run, MAPPO_ARENA), arena)
        trained = json.loads((run / "eval.json").read_text())
        wall = f"{trained.get('train_wall_time', float('nan')) / 60:.1f} min"
        training = f"{training_team_return(run):.2f}"
        steps = f"{summary['env_steps']:,}"
        lines.append(row(f"{name} (`{run.name}`)", summary, score, training, wall, steps))
    for name, policy in [
        ("random", random_policy),
        ("assignment controller (sees the whole game)", assignment_controller),
    ]:
        score = score_in_mappo_arena(policy(arena), arena)
        lines.append(row(name, policy(game()), score, "-", "-", "-"))
    lines += ["", *REFERENCES]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    write_results(RESULTS, "\n".join(lines) + "\n")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
