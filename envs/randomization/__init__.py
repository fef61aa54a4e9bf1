"""Physics domain randomization for MuJoCo envs: resampled parameters, random pushes, privileged values.

Every wrapper works on an env whose ``unwrapped`` has MuJoCo ``model`` and ``data`` and draws from its own
:class:`rlkit.sim.random_stream.RandomStream`.
"""

from rlkit.envs.randomization.physics import PhysicsRandomization
from rlkit.envs.randomization.privileged import PrivilegedObservation
from rlkit.envs.randomization.pushes import RandomPushes
from rlkit.envs.randomization.sampling import draw_samples

__all__ = [
    "PhysicsRandomization",
    "PrivilegedObservation",
    "RandomPushes",
    "draw_samples",
]
