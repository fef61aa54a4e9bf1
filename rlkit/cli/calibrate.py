"""``rlkit calibrate CONFIG LOG [LOG ...] [--calibration FILE] [--output DIR] [--threads N]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from rlkit.cli.eval import positive_int
from rlkit.errors import RlkitError


def add_parser(verbs: argparse._SubParsersAction) -> None:
    parser = verbs.add_parser(
        "calibrate",
        help="identify a robot's model parameters, sensor delays and biases from logs of its motion",
        description=(
            "Replay the logs (rlkit's log format, .npz or .csv: see rlkit.sysid.trajectory_log; written "
            "by 'rlkit eval RUN --record', 'rlkit excite' or the robot's own logger) on CONFIG's model and "
            "find, "
            "with mujoco.sysid's least squares, the values of the parameters its 'calibrate' section names "
            "(as env.randomization.parameters entries, low/high bounding the search), one sensor delay per "
            "delay group and one bias per channel of each bias group, with confidence intervals. Writes into "
            "DIR: identified.json (the values, intervals and fit), report.html and report.png (measured "
            "against simulated channels before and after) and calibrated.yaml: CONFIG with the model at the "
            "identified values (env.simulator.parameters) and its randomization centred on them, ± "
            "calibrate.width × the "
            "intervals. Nothing is written unless identification succeeds."
        ),
    )
    parser.add_argument(
        "config", help="preset name or YAML run config (with a 'calibrate' section, or --calibration)"
    )
    parser.add_argument("logs", nargs="+", type=Path, metavar="LOG", help="logs of the robot (.npz or .csv)")
    parser.add_argument(
        "--calibration",
        type=Path,
        metavar="FILE",
        help="a YAML file holding the calibrate section's keys (replaces CONFIG's own calibrate section)",
    )
    parser.add_argument(
        "--output", type=Path, default=Path("calibration"), help="where to write (default: calibration)"
    )
    parser.add_argument(
        "--threads", type=positive_int, help="threads that replay the logs (default: one per core)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Identify, then write the four outputs; print the identified values and where they went."""
    # Lazy CLI start-up: the parser imports every verb's module; only the verb that runs loads its stack.
    from rlkit.sysid.calibration_run import calibrate, describe_value

    outcome = calibrate(
        args.config,
        [str(log) for log in args.logs],
        output=args.output,
        calibration_file=args.calibration,
        threads=args.threads,
        progress=print,
    )
    result = outcome.identification
    print(
        f"identified {len(result.values)} unknowns from {len(args.logs)} log(s) in {result.seconds:.1f} s: "
        f"cost {result.cost_before:.4g} -> {result.cost_after:.4g}"
    )
    for value in result.values:
        print("  " + describe_value(value))
    for note in outcome.notes:
        print(note)
    for path in outcome.written:
        print(f"wrote {path}")
    if not outcome.written:
        raise RlkitError("nothing was written")
    return 0
