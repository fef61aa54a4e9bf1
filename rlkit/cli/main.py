"""The ``rlkit`` command: one subcommand per verb, each in its own module.

Every user error (:class:`rlkit.errors.RlkitError`, argparse's usage errors) becomes one line on stderr and
exit status 2, with no traceback. SIGINT (Ctrl-C) and SIGTERM (a scheduler, ``docker stop``) stop every verb
from its first line on, whatever disposition the shell passed on (a script's background job starts its
children with SIGINT ignored): ``rlkit train`` saves a checkpoint and says how to resume, and the exit status
is 130 or 143.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from rlkit import __version__
from rlkit.errors import RlkitError
from rlkit.runs.stop_signals import exit_status, stop_on_signals

EXIT_USAGE = 2


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (``rlkit <verb>: error: ...``) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every verb's subparser."""
    # Imported after main() installed the stop-signal handlers, which must catch a Ctrl-C during the
    # seconds these imports take on a busy machine.
    from rlkit.cli import calibrate as calibrate_verb
    from rlkit.cli import distill as distill_verb
    from rlkit.cli import eval as eval_verb
    from rlkit.cli import excite as excite_verb
    from rlkit.cli import export as export_verb
    from rlkit.cli import list as list_verb
    from rlkit.cli import plot as plot_verb
    from rlkit.cli import train as train_verb

    parser = OneLineParser(prog="rlkit", description="Reinforcement learning and sim2real on MuJoCo.")
    parser.add_argument("--version", action="version", version=f"rlkit {__version__}")
    verbs = parser.add_subparsers(
        dest="verb",
        required=True,
        metavar="{train,eval,export,plot,distill,excite,calibrate,list}",
        parser_class=OneLineParser,
    )
    for verb in (
        train_verb,
        eval_verb,
        export_verb,
        plot_verb,
        distill_verb,
        excite_verb,
        calibrate_verb,
        list_verb,
    ):
        verb.add_parser(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    # Installed before the verbs' imports (seconds on a busy machine), so that a stop is never lost.
    with stop_on_signals():
        try:
            return _main(argv)
        except KeyboardInterrupt as stop:  # before a verb runs
            print("rlkit: interrupted", file=sys.stderr)
            return exit_status(stop)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse stops filling positionals at the first option, so KEY=VALUE overrides written after
    # --run-dir arrive here; anything else is a genuine usage error.
    stray = [item for item in extra if item.startswith("-") or "=" not in item]
    if stray or (extra and not hasattr(args, "overrides")):
        parser.error(f"unrecognized arguments: {' '.join(stray or extra)}")
    if extra:
        args.overrides = [*args.overrides, *extra]
    # Let env.id: my_module:MyEnv and agent.name: my_module:MyAgent name modules in the working directory
    # (a console script's sys.path starts at its own bin directory). Appended, not prepended as `python -m`
    # does, so that a stray profile.py or random.py in the working directory cannot shadow the standard
    # library or an installed package.
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    try:
        return int(args.run(args) or 0)
    except RlkitError as exc:
        print(f"rlkit {args.verb}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as stop:
        print(f"rlkit {args.verb}: interrupted", file=sys.stderr)
        return exit_status(stop)
    except BrokenPipeError:  # output piped into a reader that closed early (rlkit list | head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
