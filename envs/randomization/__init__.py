"""Physics domain randomization for MuJoCo envs: resampled parameters, random pushes, privileged values.

Every wrapper works on an env whose ``unwrapped`` has MuJoCo ``model`` and ``data`` and draws from its own
:class:`rlkit.sim.random_stream.RandomStream`. Each effect is implemented once on arrays over a batch of envs
(:class:`PhysicsParameters`, :class:`BodyPushes`, :func:`with_samples`): the wrappers run it on a batch of
one, the ``batched`` rollout backend on all its sims (:mod:`rlkit.envs.batched.randomization`).
"""

from rlkit.envs.randomization.body_pushes import BodyPushes
from rlkit.envs.randomization.physics import PhysicsRandomization
from rlkit.envs.randomization.physics_parameters import PhysicsParameters
from rlkit.envs.randomization.privileged import (
    PrivilegedObservation,
    check_observed_samples,
    privileged_space,
    with_samples,
)
from rlkit.envs.randomization.pushes import RandomPushes
from rlkit.envs.randomization.sampling import draw_samples

__all__ = [
    "BodyPushes",
    "PhysicsParameters",
    "PhysicsRandomization",
    "PrivilegedObservation",
    "RandomPushes",
    "check_observed_samples",
    "draw_samples",
    "privileged_space",
    "with_samples",
]
