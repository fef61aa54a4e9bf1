"""``env.simulator.parameters``: model parameters set to identified values on the compiled model.

Each entry selects elements as ``env.randomization.parameters`` does and sets them once, through the same
array code (:class:`~rlkit.envs.randomization.physics_parameters.PhysicsParameters`, whose draw is here a
fixed factor or offset), so an identified ``actuator_kp`` moves the bias term with the gain and an identified
``body_mass`` scales the inertia with it, exactly as a randomized one does. Randomization built afterwards
reads these values as its nominal ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import numpy as np

from rlkit.config.sim2real import ParameterRandomization
from rlkit.config.simulator import IdentifiedParameter
from rlkit.envs.randomization.physics import model_stacks, write_timestep
from rlkit.envs.randomization.physics_parameters import PhysicsParameters
from rlkit.errors import RlkitError

_ONE = np.zeros(1, dtype=np.int64)


def identified_entries(parameters: Sequence[IdentifiedParameter]) -> list[ParameterRandomization]:
    """Each identified parameter as the randomization entry that always draws its value."""
    return [
        ParameterRandomization(
            parameter=p.parameter,
            names=p.names,
            mode=p.mode,
            low=p.value,
            high=p.value,
            shared=True,
            friction=p.friction,
        )
        for p in parameters
    ]


def apply_identified_parameters(model: mujoco.MjModel, parameters: Sequence[IdentifiedParameter]) -> None:
    """Set ``model``'s selected parameters to their identified values, derived constants included.

    Raises:
        RlkitError: A ``names`` regex selects nothing (the message lists the names), or two entries set the
            same element's parameter.
    """
    if not parameters:
        return
    try:
        physics = PhysicsParameters(model, identified_entries(parameters), 1, stream="IdentifiedParameters")
    except RlkitError as exc:
        raise RlkitError(f"env.simulator.parameters: {exc}".replace("randomization of ", "")) from None
    stacks = model_stacks(model, physics.fields)
    physics.reset(stacks, _ONE, [0])  # every draw of a range [value, value] is the value
    write_timestep(model, stacks)
    if physics.feeds_constants:
        mujoco.mj_setConst(model, mujoco.MjData(model))
