"""``rlkit train PRESET_OR_YAML [KEY=VALUE ...] [--run-dir DIR] | --resume RUN_DIR [KEY=VALUE ...]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from rlkit.cli.config_help import config_reference
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
    # SIGINT and SIGTERM (handled from rlkit.cli.main on) stop training with a checkpoint to resume from.
    from rlkit.training.run import describe_config, finish_run, resume_run, start_run

    if args.resume is not None:
        overrides = [args.config, *args.overrides] if args.config else args.overrides
        if args.run_dir is not None:
            raise RlkitError("--resume continues a run in its own directory; drop --run-dir")
        trainer = resume_run(args.resume, overrides)
        steps = trainer.state["env_steps"]
        print(f"resuming {args.resume} at {steps:,} steps: {describe_config(trainer.config)}")
    else:
        if not args.config:
            raise RlkitError("give a preset name or YAML config to train (rlkit list shows the presets)")
        trainer, run_dir = start_run(args.config, args.overrides, args.run_dir)
        print(f"run {run_dir}: {describe_config(trainer.config)}")
    result = finish_run(trainer)
    outcome = result.outcome
    if outcome.interrupted:
        print(
            f"interrupted at {outcome.env_steps:,} steps; checkpoint {outcome.checkpoint}\n"
            f"continue with: rlkit train --resume {result.run_dir}"
        )
        return outcome.exit_status
    print(
        f"trained {outcome.env_steps:,} steps in {outcome.wall_time:.1f} s "
        f"({outcome.env_steps / max(outcome.wall_time, 1e-9):,.0f} steps/s)"
        + ("; target return reached" if outcome.reached_target else "")
    )
    if result.evaluation_stopped:
        print(
            f"the final evaluation was interrupted; checkpoint {outcome.checkpoint}\n"
            f"evaluate with: rlkit eval {result.run_dir}"
        )
        return result.evaluation_stopped
    summary = result.evaluation or {}
    print(
        f"eval over {summary['episodes']} episodes: return {summary['mean_return']:.1f} "
        f"± {summary['std_return']:.1f} (min {summary['min_return']:.1f}, max {summary['max_return']:.1f})"
    )
    print(f"wrote {result.run_dir / 'eval.json'}")
    return 0
