"""Physics domain randomization for MuJoCo envs: resampled parameters, random pushes, privileged values.

Every wrapper works on an env whose ``unwrapped`` has MuJoCo ``model`` and ``data`` and draws from its own
:class:`envs.random_stream.RandomStream`.
"""

from envs.randomization.physics import PhysicsRandomization
from envs.randomization.privileged import PrivilegedObservation
from envs.randomization.pushes import RandomPushes
from envs.randomization.sampling import draw_samples

__all__ = [
    "PhysicsRandomization",
    "PrivilegedObservation",
    "RandomPushes",
    "draw_samples",
]
