"""``env.simulator``: the simulator a MuJoCo task runs on, changed from what its XML says.

Training holds these fixed; a transfer check changes them, to see whether a policy depends on the simulator
rather than on the robot (a "reality" evaluation: another integrator and solver, a finer timestep, softer or
stiffer contacts, actuators that lag their commands). Each setting left None keeps the XML's.

It also holds what is known about the robot that its XML does not say: the parameter values system
identification found (``parameters``, written by ``rlkit calibrate``: the nominal model that randomization
then draws around), and the test stand a robot was logged on (``hang_base``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rlkit.config.base import StrictModel
from rlkit.config.sim2real import PhysicsParameter


class IdentifiedParameter(StrictModel):
    """A model parameter at an identified value: each selected element's XML value times ``value`` (mode
    ``scale``) or plus it (``offset``). Selected as ``env.randomization.parameters`` select."""

    parameter: PhysicsParameter = Field(..., description="which model parameter")
    names: str = Field(
        default=".*",
        description="regular expression selecting bodies/geoms/joints/actuators by name (full match)",
    )
    mode: Literal["scale", "offset"] = Field(default="scale", description="XML value × value, or + value")
    value: float = Field(..., description="the factor (scale) or offset (offset) identified")
    friction: Literal["sliding", "torsional", "rolling", "all"] = Field(
        default="sliding", description="geom_friction: which coefficient(s)"
    )


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
    parameters: list[IdentifiedParameter] = Field(
        default_factory=list,
        description="model parameters at identified values, applied to the compiled model before anything "
        "else (randomization draws around them); rlkit calibrate writes these",
    )
    hang_base: float | None = Field(
        default=None,
        ge=0,
        description="weld the floating base this many metres above where the keyframe (or the XML) puts it, "
        "as a robot hangs from a stand to be identified (None: the base is free)",
    )
