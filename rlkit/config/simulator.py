"""``env.simulator``: the simulator a MuJoCo task runs on, changed from what its XML says.

Training holds these fixed; a transfer check changes them, to see whether a policy depends on the simulator
rather than on the robot (a "reality" evaluation: another integrator and solver, a finer timestep, softer or
stiffer contacts, actuators that lag their commands). Each setting left None keeps the XML's.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rlkit.config.base import StrictModel


class SimulatorConfig(StrictModel):
    """Simulator settings that replace the model's own (None: the XML's)."""

    integrator: Literal["euler", "rk4", "implicit", "implicitfast"] | None = Field(
        default=None, description="the numerical integrator"
    )
    solver: Literal["pgs", "cg", "newton"] | None = Field(default=None, description="the constraint solver")
    iterations: int | None = Field(default=None, ge=1, description="the solver's iterations per step")
    timestep: float | None = Field(
        default=None,
        gt=0,
        description="the physics timestep, s; the task's frame skip is scaled so that the control period is "
        "kept (it must be a whole number of the new timesteps)",
    )
    contact_solref: tuple[float, float] | None = Field(
        default=None,
        description="every geom's contact (time constant s, damping ratio): larger time constants are softer "
        "contacts (MuJoCo's default: 0.02, 1)",
    )
    contact_solimp: tuple[float, float, float, float, float] | None = Field(
        default=None,
        description="every geom's contact impedance (MuJoCo's solimp; default 0.9 0.95 0.001 0.5 2)",
    )
    actuator_lag: float | None = Field(
        default=None,
        ge=0,
        description="a first-order lag, s, between each actuator's command and what it applies (MuJoCo's "
        "filterexact dynamics on actuators that have none); 0: none",
    )
