"""``rlkit train PRESET_OR_YAML [KEY=VALUE ...] [--run-dir DIR] | --resume RUN_DIR [KEY=VALUE ...]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from rlkit.cli.config_help import config_reference
from rlkit.config.schema import RunConfig
from rlkit.errors import RlkitError


def add_parser(verbs: argparse._SubParsersAction) -> None:
    parser = verbs.add_parser(
        "train",
        help="train an agent from a preset or YAML config",
        description="Train an agent, then evaluate it and write eval.json into the run directory.",
        epilog=config_reference(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", nargs="?", help="preset name (rlkit list) or path to a YAML config")
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=VALUE",
        help="dotted config overrides, e.g. agent.lr=1e-3 train.total_steps=200000",
    )
    parser.add_argument("--run-dir", type=Path, help="run directory (default: runs/<preset>-<timestamp>)")
    parser.add_argument(
        "--resume",
        type=Path,
        metavar="RUN_DIR",
        help="continue the run in RUN_DIR from its latest checkpoint",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Train (or resume) a run through :mod:`rlkit.api` and print where it is and how it ended."""
    # SIGINT and SIGTERM (handled from rlkit.cli.main on) stop training with a checkpoint to resume from.
    # Imported here, not at the top: `rlkit --help` and the other verbs start without the training stack.
    from rlkit import api
    from rlkit.training.run import describe_config

    if args.resume is not None:
        overrides = [args.config, *args.overrides] if args.config else args.overrides
        if args.run_dir is not None:
            raise RlkitError("--resume continues a run in its own directory; drop --run-dir")

        def resuming(run_dir: Path, config: RunConfig, steps: int) -> None:
            print(f"resuming {run_dir} at {steps:,} steps: {describe_config(config)}")

        result = api.resume(args.resume, *overrides, on_start=resuming)
    else:
        if not args.config:
            raise RlkitError("give a preset name or YAML config to train (rlkit list shows the presets)")

        def starting(run_dir: Path, config: RunConfig, steps: int) -> None:
            print(f"run {run_dir}: {describe_config(config)}")

        result = api.train(args.config, *args.overrides, run_dir=args.run_dir, on_start=starting)
    if result.interrupted:
        print(
            f"interrupted at {result.env_steps:,} steps; checkpoint {result.checkpoint}\n"
            f"continue with: rlkit train --resume {result.run_dir}"
        )
        return result.exit_status
    print(
        f"trained {result.env_steps:,} steps in {result.wall_time:.1f} s "
        f"({result.env_steps / max(result.wall_time, 1e-9):,.0f} steps/s)"
        + ("; target return reached" if result.reached_target else "")
    )
    if result.evaluation is None:
        print(
            f"the final evaluation was interrupted; checkpoint {result.checkpoint}\n"
            f"evaluate with: rlkit eval {result.run_dir}"
        )
        return result.exit_status
    summary = result.evaluation
    print(
        f"eval over {summary['episodes']} episodes: return {summary['mean_return']:.1f} "
        f"± {summary['std_return']:.1f} (min {summary['min_return']:.1f}, max {summary['max_return']:.1f})"
    )
    print(f"wrote {result.run_dir / 'eval.json'}")
    return 0
