"""``rlkit plot RUN_DIR [RUN_DIR ...] [--metric NAME] [--output FILE.png]``."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(verbs: argparse._SubParsersAction) -> None:
    parser = verbs.add_parser(
        "plot",
        help="plot learning curves of one or more runs",
        description="Plot a metric of metrics.csv against environment steps, one line per run, as a PNG.",
    )
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR", help="run directories to plot")
    parser.add_argument(
        "--metric",
        default="return_mean",
        help="a metrics.csv column: return_mean (default; eval/return_mean points added as markers), "
        "eval/return_mean, length_mean, a loss, ...",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="the PNG to write (default: RUN_DIR/learning_curve.png for one run, "
        "./learning_curves.png for several; other metrics than return_mean are named in the file)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Lazy CLI start-up: the parser imports every verb's module; only the verb that runs loads its stack.
    from rlkit.evaluate.plots import plot_learning_curves

    path = plot_learning_curves(args.runs, args.metric, args.output)
    print(f"wrote {path}")
    return 0
