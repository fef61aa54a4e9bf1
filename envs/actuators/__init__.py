"""Actuator models: small wrappers, one per effect, between the policy's action and the env.

Compose them innermost first in this order (the reverse of the order an action passes through them, which
is that of :class:`rlkit.config.sim2real.ActuatorModelConfig`): :class:`ActionRepeat`,
:class:`ActionSaturation`, :class:`ActionRateLimit`, :class:`ActionDelay`, :class:`ActionNoise`. None of them
changes the action space; every effect draws its random numbers from its own
:class:`~rlkit.sim.random_stream.RandomStream`, re-seeded by ``reset(seed=...)``. Wrap each single env
(inside a vector env, not around it): every reset of that env, autoresets included, clears the per-episode
state.

Each wrapper applies an array effect of :mod:`rlkit.envs.effects` to a batch of one env; the ``batched``
rollout backend applies the same effects to all its envs at once, so each effect is implemented once.
"""

from rlkit.envs.actuators.actuator import ActuatorWrapper, neutral_action
from rlkit.envs.actuators.actuator_effect import ActuatorEffectWrapper
from rlkit.envs.actuators.delay import ActionDelay
from rlkit.envs.actuators.noise import ActionNoise
from rlkit.envs.actuators.rate_limit import ActionRateLimit
from rlkit.envs.actuators.repeat import ActionRepeat
from rlkit.envs.actuators.saturation import ActionSaturation

__all__ = [
    "ActionDelay",
    "ActionNoise",
    "ActionRateLimit",
    "ActionRepeat",
    "ActionSaturation",
    "ActuatorEffectWrapper",
    "ActuatorWrapper",
    "neutral_action",
]
