"""``rlkit distill TEACHER_RUN STUDENT_PRESET_OR_YAML [KEY=VALUE ...] [--run-dir DIR]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from rlkit.config.loading import load_named_config
from rlkit.errors import RlkitError


def add_parser(verbs: argparse._SubParsersAction) -> None:
    parser = verbs.add_parser(
        "distill",
        help="distil a privileged teacher into a student that sees only its sensors (DAgger, or RMA)",
        description="DAgger (distill.method dagger): the student acts (mixed with the teacher early on), the "
        "teacher labels every step from its own noise-free, privileged view of it, the student's actor is "
        "fitted to the labels. Adaptation (distill.method adaptation, Rapid Motor Adaptation): the teacher's "
        "policy, trained with env.randomization.observe_parameters, stays frozen and acts on the physics an "
        "adaptation module estimates from the student's env.sensors.history readings; the module is fitted "
        "to the true physics of the steps the student visits. The student's env (its sensors or pixels) "
        "comes from STUDENT; the recipe from its distill.* keys.",
    )
    parser.add_argument("teacher", type=Path, help="the teacher's run directory or checkpoint")
    parser.add_argument("student", help="the student's preset name or YAML config")
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=VALUE",
        help="dotted overrides of the student's config, e.g. distill.iterations=20 env.sensors.latency.max=2",
    )
    parser.add_argument("--run-dir", type=Path, help="the student's run directory (default: runs/<name>-...)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Lazy CLI start-up: the parser imports every verb's module; only the verb that runs loads its stack.
    from rlkit.distill import make_distiller
    from rlkit.evaluate.evaluator import write_eval_json
    from rlkit.training.run import check_new_run_dir, default_run_dir, open_run_dir

    if not args.teacher.exists():
        raise RlkitError(f"teacher '{args.teacher}' does not exist (give a run directory or a checkpoint)")
    config, name = load_named_config(args.student, args.overrides)
    run_dir = args.run_dir if args.run_dir is not None else default_run_dir(f"{name}-distilled")
    check_new_run_dir(run_dir)
    distiller = make_distiller(args.teacher, config, run_dir)
    config = distiller.config  # the student's run config: adaptation's names its own agent (rma)
    open_run_dir(run_dir, config, distiller.env.close)
    print(
        f"run {run_dir}: distilling {args.teacher} into {config.agent.name} on {config.env.id} "
        f"({config.distill.method}), "
        f"{config.distill.iterations} iterations of {config.distill.steps_per_iteration:,} steps"
    )
    outcome = distiller.run()
    write_eval_json(
        run_dir / "eval.json",
        {
            "mean_return": outcome.student_return,
            "teacher_mean_return": outcome.teacher_return,
            "episodes": config.eval.episodes,
            "env_steps": outcome.env_steps,
            "train_wall_time": outcome.wall_time,
            "checkpoint": str(outcome.checkpoint),
        },
    )
    print(
        f"distilled over {outcome.env_steps:,} steps in {outcome.wall_time:.1f} s: student "
        f"{outcome.student_return:.1f} (teacher {outcome.teacher_return:.1f} in its own env)"
    )
    print(f"wrote {run_dir / 'eval.json'}")
    return 0
