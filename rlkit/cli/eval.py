"""``rlkit eval RUN_DIR_OR_CHECKPOINT [KEY=VALUE ...] [--episodes N] [--seed S] [--video [--agent-view]]
[--output F]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from rlkit.errors import RlkitError


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer ≥ 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be non-negative, got {value}")
    return value


def add_parser(verbs: argparse._SubParsersAction) -> None:
    parser = verbs.add_parser(
        "eval",
        help="evaluate a trained policy (optionally with a video)",
        description="Evaluate the policy in a checkpoint (or a run directory's latest) and write eval.json.",
    )
    parser.add_argument("target", type=Path, help="run directory or checkpoint file")
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=VALUE",
        help="env.* and eval.* overrides, e.g. to test robustness: "
        "'env.randomization.parameters=[{parameter: body_mass, low: 1.3, high: 1.3}]'",
    )
    parser.add_argument("--episodes", type=positive_int, help="episodes to evaluate (default: eval.episodes)")
    parser.add_argument("--seed", type=non_negative_int, help="first evaluation seed")
    parser.add_argument(
        "--video", action="store_true", help="also write an MP4 of rendered episodes to videos/"
    )
    parser.add_argument(
        "--agent-view",
        action="store_true",
        help="with --video, for a pixel policy: what it saw (after the camera model) beside the render",
    )
    parser.add_argument("--output", type=Path, help="where to write the summary (default: RUN_DIR/eval.json)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rlkit.evaluate.checkpoint_eval import evaluate_checkpoint

    if args.agent_view and not args.video:
        raise RlkitError("--agent-view shows the agent's view in the video: add --video")
    if not args.target.exists():
        raise RlkitError(f"'{args.target}' does not exist (give a run directory or a checkpoint file)")
    result = evaluate_checkpoint(
        args.target,
        episodes=args.episodes,
        seed=args.seed,
        video=args.video,
        overrides=args.overrides,
        output=args.output,
        agent_view=args.agent_view,
    )
    s = result.summary
    print(f"{s['checkpoint']} ({s['env_steps']:,} training steps)")
    print(
        f"eval over {s['episodes']} episodes: return {s['mean_return']:.1f} ± {s['std_return']:.1f} "
        f"(min {s['min_return']:.1f}, max {s['max_return']:.1f}), mean length {s['mean_length']:.1f}"
    )
    print(f"wrote {result.eval_path}")
    if result.video_path is not None:
        print(f"wrote {result.video_path}")
    return 0
