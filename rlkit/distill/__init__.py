"""Teacher-student distillation (``rlkit distill``): from a privileged teacher into a student that sees only
what the robot will see, by DAgger (:class:`Distiller`), or by estimating the teacher's privileged parameters
from the observation history, as Rapid Motor Adaptation does (:class:`AdaptationDistiller`)."""

from __future__ import annotations

from pathlib import Path

from rlkit.config.schema import RunConfig
from rlkit.distill.adaptation import AdaptationDistiller
from rlkit.distill.dagger import Distiller, DistillOutcome


def make_distiller(teacher: str | Path, config: RunConfig, run_dir: Path) -> Distiller | AdaptationDistiller:
    """The distiller of ``config.distill.method`` (``dagger`` or ``adaptation``), built and checked; its
    ``config`` is the student's run config and its ``env`` the student's envs.

    Raises:
        RlkitError: The teacher and the student cannot be joined by that method (one line).
    """
    if config.distill.method == "adaptation":
        return AdaptationDistiller(teacher, config, run_dir)
    return Distiller(teacher, config, run_dir)


__all__ = ["AdaptationDistiller", "DistillOutcome", "Distiller", "make_distiller"]
