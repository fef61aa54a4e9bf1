"""Teacher-student distillation (``rlkit distill``): DAgger from a privileged teacher into a student that sees
only what the robot will see."""

from rlkit.distill.dagger import Distiller, DistillOutcome

__all__ = ["DistillOutcome", "Distiller"]
