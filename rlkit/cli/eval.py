"""``rlkit eval RUN_DIR_OR_CHECKPOINT [KEY=VALUE ...] [--episodes N] [--seed S] [--video [--agent-view]]
[--output F]``, ``rlkit eval RUN [RUN ...] [env.KEY=VALUE ...] --sweep SWEEP [--output DIR]``, and
``rlkit eval RUN [KEY=VALUE ...] --record FILE [--episodes N] [--seed S]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from rlkit.config.perturbations import PERTURBATIONS
from rlkit.config.sweep import BUILTIN_SWEEPS
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


def frame_size(text: str) -> tuple[int, int]:
    """argparse type: ``WIDTHxHEIGHT`` in pixels, each 16 to 4096."""
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit()) or not all(16 <= int(n) <= 4096 for n in (width, height)):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not WIDTHxHEIGHT with each 16 to 4096 pixels, e.g. 640x360"
        )
    return int(width), int(height)


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
    parser.add_argument(
        "target",
        type=Path,
        help="run directory or checkpoint file (with --sweep: several, before any option)",
    )
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
        "--video-size",
        type=frame_size,
        metavar="WxH",
        help="with --video: frame size in pixels (default: the env's own, 480x480 for rlkit's MuJoCo envs)",
    )
    parser.add_argument(
        "--video-quality",
        choices=("low", "medium", "high"),
        help="with --video: high (the model's own look), medium (default: shadows and reflections, about "
        "twice as fast on a CPU, looks alike), low (no shadows or reflections: flat, fastest)",
    )
    parser.add_argument(
        "--video-workers",
        type=positive_int,
        metavar="N",
        help="with --video: processes rendering episodes side by side (default: one per core)",
    )
    parser.add_argument(
        "--agent-view",
        action="store_true",
        help="with --video, for a pixel policy: what it saw (after the camera model) beside the render",
    )
    parser.add_argument(
        "--opponent",
        metavar="RUN|random",
        help="for a multi-agent game: also play the episodes as matches against another run's policy (a run "
        "directory or checkpoint, sampling its moves) or a random player, each side taking every seat in "
        "turn; eval.json gains the wins, draws, losses and illegal moves",
    )
    parser.add_argument(
        "--sweep",
        metavar="SWEEP",
        help="evaluate on a grid of fixed perturbations: a sweep YAML file or a built-in ("
        + ", ".join(f"{name}: {text}" for name, (text, _) in BUILTIN_SWEEPS.items())
        + "); writes sweep.json, sweep.md, sweep.png. Perturbations: "
        + "; ".join(f"{name}: {p.description} (nominal {p.nominal:g})" for name, p in PERTURBATIONS.items()),
    )
    parser.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="instead of evaluating, record the policy's episodes as a robot's log for rlkit calibrate (.npz "
        "or .csv): the channels as measured (after the sensor models and latency), the controls MuJoCo "
        "applied (after the actuator models) and the base pose, one row per control step",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="where to write the summary (default: RUN_DIR/eval.json); with --sweep, the output directory "
        "(default: RUN/sweeps/NAME/ for one run, ./sweeps/NAME/ for several)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Lazy CLI start-up: the parser imports every verb's module; only the verb that runs loads its stack.
    from rlkit.evaluate.checkpoint_eval import evaluate_checkpoint

    if args.record is not None:
        return run_record(args)
    if args.sweep is not None:
        if args.opponent is not None:
            raise RlkitError("--opponent plays matches, --sweep perturbs the env: use one at a time")
        return run_sweep(args)
    extra = [item for item in args.overrides if "=" not in item]
    if extra:
        raise RlkitError(f"'{extra[0]}' is not KEY=VALUE: several runs are compared with --sweep only")
    if args.agent_view and not args.video:
        raise RlkitError("--agent-view shows the agent's view in the video: add --video")
    video_options = {
        "--video-size": args.video_size,
        "--video-quality": args.video_quality,
        "--video-workers": args.video_workers,
    }
    given = [flag for flag, value in video_options.items() if value is not None]
    if given and not args.video:
        raise RlkitError(f"{given[0]} sets how the video is rendered: add --video")
    overrides = list(args.overrides)
    if args.video_size is not None:
        overrides += [f"eval.video_width={args.video_size[0]}", f"eval.video_height={args.video_size[1]}"]
    if args.video_quality is not None:
        overrides.append(f"eval.video_quality={args.video_quality}")
    if args.video_workers is not None:
        overrides.append(f"eval.video_workers={args.video_workers}")
    if not args.target.exists():
        raise RlkitError(f"'{args.target}' does not exist (give a run directory or a checkpoint file)")
    result = evaluate_checkpoint(
        args.target,
        episodes=args.episodes,
        seed=args.seed,
        video=args.video,
        overrides=overrides,
        output=args.output,
        agent_view=args.agent_view,
        opponent=args.opponent,
    )
    s = result.summary
    print(f"{s['checkpoint']} ({s['env_steps']:,} training steps)")
    print(
        f"eval over {s['episodes']} episodes: return {s['mean_return']:.1f} ± {s['std_return']:.1f} "
        f"(min {s['min_return']:.1f}, max {s['max_return']:.1f}), mean length {s['mean_length']:.1f}"
    )
    if "success_rate" in s:
        print(f"success rate {s['success_rate']:.0%} (episodes that reached the task's goal)")
    if "team_return" in s:
        each = ", ".join(f"{name} {value:.1f}" for name, value in s["agent_returns"].items())
        print(f"team return {s['team_return']:.1f}; per agent: {each}")
    if "matches" in s:
        m = s["matches"]
        print(
            f"against {m['opponent']}: {m['wins']} wins, {m['draws']} draws, {m['losses']} losses in "
            f"{m['games']} games (win rate {m['win_rate']:.0%}), {m['illegal_moves']} illegal moves"
        )
    print(f"wrote {result.eval_path}")
    if result.video_path is not None:
        print(f"wrote {result.video_path}")
    return 0


def run_record(args: argparse.Namespace) -> int:
    """``--record``: the policy's episodes as a robot's log, instead of a summary."""
    # Lazy CLI start-up: the parser imports every verb's module; only the verb that runs loads its stack.
    from rlkit.sysid.recorder import record_checkpoint

    others = (
        "sweep",
        "video",
        "video_size",
        "video_quality",
        "video_workers",
        "agent_view",
        "opponent",
        "output",
    )
    given = ["--" + name.replace("_", "-") for name in others if getattr(args, name)]
    if given:
        raise RlkitError(f"--record writes the log FILE alone: leave out {given[0]}")
    extra = [item for item in args.overrides if "=" not in item]
    if extra:
        raise RlkitError(f"'{extra[0]}' is not KEY=VALUE: --record records one run")
    if not args.target.exists():
        raise RlkitError(f"'{args.target}' does not exist (give a run directory or a checkpoint file)")
    recorded = record_checkpoint(args.target, args.record, args.episodes, args.seed, args.overrides)
    log = recorded.log
    print(
        f"{recorded.checkpoint}: recorded {len(log.episode_slices())} episodes from seed {recorded.seed} "
        f"({log.rows} rows of {len(log.channel_names)} channels and {len(log.control_names)} controls)"
    )
    print(f"wrote {recorded.path}")
    return 0


def run_sweep(args: argparse.Namespace) -> int:
    """``--sweep``: the extra positionals without ``=`` are more runs to compare side by side."""
    # Lazy CLI start-up: the parser imports every verb's module; only the verb that runs loads its stack.
    from rlkit.evaluate.checkpoint_eval import run_dir_of
    from rlkit.evaluate.sweep import load_sweep, write_sweep
    from rlkit.evaluate.sweep import run_sweep as sweep_runs
    from rlkit.evaluate.sweep_table import sweep_markdown

    if args.video or args.agent_view:
        raise RlkitError("--sweep writes tables and a figure, not videos: leave out --video and --agent-view")
    targets = [args.target, *(Path(item) for item in args.overrides if "=" not in item)]
    overrides = [item for item in args.overrides if "=" in item]
    sweep = load_sweep(args.sweep)
    if args.output is not None:
        output = args.output
    elif len(targets) == 1:
        output = (run_dir_of(targets[0]) if targets[0].is_file() else targets[0]) / "sweeps" / str(sweep.name)
    else:
        output = Path("sweeps") / str(sweep.name)

    def report(label: str, values: dict[str, float], cell: dict) -> None:
        where = ", ".join(f"{name}={value:g}" for name, value in values.items())
        print(f"{label} {where}: return {cell['mean_return']:.1f} ± {cell['std_return']:.1f}", flush=True)

    result = sweep_runs(targets, sweep, args.episodes, args.seed, overrides, on_cell=report)
    paths = write_sweep(result, output)
    print()
    print(sweep_markdown(result))
    for path in paths:
        print(f"wrote {path}")
    return 0
