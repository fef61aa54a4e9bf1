"""``env.simulator`` applied to a model's spec before it compiles: the integrator, solver, timestep, contact
softness and actuator lag that replace the XML's (:class:`~rlkit.config.simulator.SimulatorConfig`).

Changing them at the spec rather than on the compiled model lets the actuator lag add its activation states
(MuJoCo's ``filterexact`` dynamics) and keeps every derived constant consistent; a keyframe then starts each
lagged actuator at its keyframe control, so an episode does not begin with its targets at zero.
"""

from __future__ import annotations

import mujoco

from rlkit.config.simulator import SimulatorConfig
from rlkit.errors import RlkitError

_INTEGRATORS = {
    "euler": mujoco.mjtIntegrator.mjINT_EULER,
    "rk4": mujoco.mjtIntegrator.mjINT_RK4,
    "implicit": mujoco.mjtIntegrator.mjINT_IMPLICIT,
    "implicitfast": mujoco.mjtIntegrator.mjINT_IMPLICITFAST,
}
_SOLVERS = {
    "pgs": mujoco.mjtSolver.mjSOL_PGS,
    "cg": mujoco.mjtSolver.mjSOL_CG,
    "newton": mujoco.mjtSolver.mjSOL_NEWTON,
}


def apply_simulator(spec: mujoco.MjSpec, config: SimulatorConfig) -> None:
    """Write ``config``'s settings into ``spec`` (the ones it leaves None keep the XML's)."""
    option = spec.option
    if config.integrator is not None:
        option.integrator = _INTEGRATORS[config.integrator]
    if config.solver is not None:
        option.solver = _SOLVERS[config.solver]
    if config.iterations is not None:
        option.iterations = config.iterations
    if config.timestep is not None:
        option.timestep = config.timestep
    # a contact mixes its two geoms' parameters: set equal on every geom, they are every contact's
    for geom in spec.geoms:
        if config.contact_solref is not None:
            geom.solref = list(config.contact_solref)
        if config.contact_solimp is not None:
            geom.solimp = list(config.contact_solimp)
    if config.actuator_lag:
        lagged = [actuator for actuator in spec.actuators if actuator.dyntype == mujoco.mjtDyn.mjDYN_NONE]
        for actuator in lagged:
            actuator.dyntype = mujoco.mjtDyn.mjDYN_FILTEREXACT
            actuator.dynprm[0] = config.actuator_lag
            actuator.actearly = True  # the force of a step follows the activation of that step
        if len(lagged) == len(spec.actuators):  # every actuator's state is its lagged control
            for key in spec.keys:
                if len(key.ctrl) == len(lagged):
                    key.act = list(key.ctrl)


def scaled_frame_skip(xml_timestep: float, frame_skip: int, timestep: float) -> int:
    """The frame skip that keeps the control period ``xml_timestep × frame_skip`` at timestep ``timestep``.

    Raises:
        RlkitError: The control period is not a whole number of the new timesteps.
    """
    period = xml_timestep * frame_skip
    steps = round(period / timestep)
    if steps < 1 or abs(steps * timestep - period) > 1e-9 * period:
        raise RlkitError(
            f"env.simulator.timestep {timestep:g} does not divide the control period {period:g} s "
            f"(timestep {xml_timestep:g} × frame_skip {frame_skip}): use {period:g} / N"
        )
    return int(steps)
