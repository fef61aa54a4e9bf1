"""The student of Rapid Motor Adaptation: a teacher's frozen policy acting on the privileged parameters that
an adaptation module estimates from the observation history (trained by ``rlkit distill``, method
adaptation)."""

from rlkit.agents.rma.agent import RMAStudent, adaptation_encoder
from rlkit.agents.rma.config import RMAConfig

__all__ = ["RMAConfig", "RMAStudent", "adaptation_encoder"]
