"""``rlkit excite CONFIG [env.KEY=VALUE ...] --output FILE [--seconds S] [--signal chirp|multisine]
[--amplitude A] [--band F0 F1] [--episodes N] [--seed N]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rlkit.cli.eval import non_negative_int, positive_int
from rlkit.errors import RlkitError


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def add_parser(verbs: argparse._SubParsersAction) -> None:
    parser = verbs.add_parser(
        "excite",
        help="drive a robot's actuators with excitation signals and log its motion for rlkit calibrate",
        description=(
            "Build the env of CONFIG with its whole sim2real stack, drive every actuator with its own "
            "excitation signal (action = centre + A × half range × signal, within the action space: the "
            "centre is the default pose in an offset action mode, the middle of the range otherwise) and "
            "write what the robot measured and the controls it applied as a log (.npz or .csv) for rlkit "
            "calibrate."
        ),
    )
    parser.add_argument("config", help="preset name (rlkit list) or path to a YAML run config")
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=VALUE",
        help="env.* overrides, e.g. env.task.init_noise=0 or env.actuators.latency='{min: 1, max: 1}'",
    )
    parser.add_argument(
        "--output", type=Path, required=True, metavar="FILE", help="the log to write (.npz or .csv)"
    )
    parser.add_argument(
        "--seconds", type=positive_float, default=10.0, help="length of each episode (default: 10)"
    )
    parser.add_argument(
        "--signal",
        choices=("chirp", "multisine"),
        default="chirp",
        help="chirp: a linear sweep from F0 to F1, staggered per actuator; multisine: sines over [F0, F1], "
        "different frequencies per actuator, random phases (default: chirp)",
    )
    parser.add_argument(
        "--amplitude",
        type=float,
        default=0.5,
        help="share of each actuator's half range swept, in (0, 1] (default: 0.5)",
    )
    parser.add_argument(
        "--band",
        type=float,
        nargs=2,
        default=(0.1, 5.0),
        metavar=("F0", "F1"),
        help="frequencies excited, Hz: 0 < F0 < F1 < the control rate's Nyquist frequency (default: 0.1 5)",
    )
    parser.add_argument("--episodes", type=positive_int, default=1, help="episodes to record (default: 1)")
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="episode j resets with seed + j; the signals' phases are drawn from it (default: 0)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Lazy CLI start-up: the parser imports every verb's module; only the verb that runs loads its stack.
    from rlkit.config.loading import load_config
    from rlkit.sysid.excitation import ExcitationSettings, excite
    from rlkit.sysid.trajectory_log import check_log_path

    path = check_log_path(args.output)
    settings = ExcitationSettings(
        seconds=args.seconds,
        signal=args.signal,
        amplitude=args.amplitude,
        band=(args.band[0], args.band[1]),
        episodes=args.episodes,
        seed=args.seed,
    )
    for override in args.overrides:
        if not override.startswith("env.") or "=" not in override:
            raise RlkitError(f"override '{override}': rlkit excite takes env.KEY=VALUE overrides only")
    config = load_config(args.config, args.overrides)
    result = excite(config.env, settings)
    for episode, steps in result.ended_early:
        print(
            f"rlkit excite: warning: episode {episode} ended after {steps} of {result.steps} control steps "
            f"(the task terminated it: the robot fell?); the log keeps its {steps + 1} rows",
            file=sys.stderr,
        )
    written = result.log.save(path)
    low, high = settings.band
    episodes = "episode" if settings.episodes == 1 else "episodes"
    print(
        f"{config.env.id}: {settings.signal} {low:g}-{high:g} Hz at amplitude {settings.amplitude:g} on "
        f"{len(result.log.control_names)} actuators, {settings.episodes} {episodes} of {result.steps} steps "
        f"({result.period:g} s each)"
    )
    print(f"wrote {written}")
    return 0
