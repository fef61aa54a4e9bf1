"""Connect Four by self-play: the final policy against a random player and against its own checkpoint from a
quarter of the way through training, and the Elo ladder of its snapshots.

Usage:
    python benchmarks/connect_four.py                    # train connect-four-selfplay, then evaluate
    python benchmarks/connect_four.py --run RUN          # evaluate a finished run

Trains ``connect-four-selfplay`` (PPO, action masks, a pool of past snapshots as opponents) as a fresh
``rlkit train`` process, then plays ``rlkit eval RUN --opponent random`` and ``--opponent
RUN/checkpoints/<the checkpoint nearest a quarter of the steps>`` over 200 games each (the trained policy
deterministic, taking first and second move in turn; the checkpoint samples its moves), counting wins, draws,
losses and the trained policy's illegal moves. Writes ``benchmarks/results/connect_four.md``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from match_play import match_rows, matches, quarter_checkpoint, rlkit
from results_file import write_results

RESULTS = Path(__file__).resolve().parent / "results" / "connect_four.md"
PRESET = "connect-four-selfplay"
GAMES = 200


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run", type=Path, help="a finished run of connect-four-selfplay")
    args = parser.parse_args()
    run = args.run or Path("runs") / PRESET
    if args.run is None:
        rlkit("train", PRESET, "--run-dir", str(run))
    trained = json.loads((run / "eval.json").read_text())
    quarter = quarter_checkpoint(run)
    rows = [("a random player (uniform over legal moves)", matches(run, "random", "random", GAMES))]
    rows.append((f"itself at `{quarter.name}` (sampling)", matches(run, str(quarter), "quarter", GAMES)))
    league = json.loads((run / "self_play.json").read_text())
    ladder = ", ".join(
        f"{s['env_steps'] // 1000}k: {s['elo']:.0f}"
        for s in league["snapshots"][:: max(1, len(league["snapshots"]) // 8)]
    )
    given = f" --run {run}" if args.run else ""
    lines = [
        "# Connect Four by self-play",
        "",
        f"Command: `python benchmarks/connect_four.py{given}`",
        "",
        f"`pettingzoo.classic:connect_four_v3`, preset `{PRESET}`: {trained['env_steps']:,} moves of "
        f"training in {trained.get('train_wall_time', float('nan')) / 60:.1f} min. {GAMES} games per "
        "opponent, the trained policy deterministic and moving first in every other game.",
        "",
        *match_rows(rows),
    ]
    lines += ["", f"Elo of the snapshots (steps: rating), final policy {league['elo']:.0f}: {ladder}."]
    write_results(RESULTS, "\n".join(lines) + "\n")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
