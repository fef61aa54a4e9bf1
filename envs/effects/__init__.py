"""Sensor and actuator models on arrays: each effect implemented once, for a batch of ``(num_envs, ...)``.

Every effect is a class built for ``num_envs`` envs, with per-env state (one row per env) started afresh by
``reset`` for the envs that start an episode, and a ``__call__`` that applies one step to the whole batch.
Env ``i`` draws from its own stream of the effect (:mod:`rlkit.envs.effects.streams`), seeded as the per-env
wrapper of env ``i`` seeds it. The per-env wrappers of :mod:`rlkit.envs.sensors` and
:mod:`rlkit.envs.actuators` are these effects on a batch of one; the ``batched`` rollout backend applies them
to all its sims at once, in the order ``make_env`` stacks the wrappers (:mod:`rlkit.envs.effects.layers`,
:mod:`rlkit.envs.effects.chains`).

Sensor effects (:class:`~rlkit.envs.effects.channel_effect.ChannelEffect`): :class:`SensorSampleAndHold`,
:class:`SensorGain`, :class:`SensorBias`, :class:`SensorDrift`, :class:`SensorNoise`,
:class:`SensorQuantization`, :class:`SensorClip`, :class:`SensorDropout`; then :class:`ObservationLatency`;
channels kept by :class:`ChannelSelection`. Each is declared once, with its config field, nominal value and
sweep axis, in the tables of :mod:`rlkit.config.sim2real_effects`. Actuator effects
(:class:`~rlkit.envs.effects.action_effect.ActionEffect`): :class:`ActuatorNoise`, :class:`ActuatorDelay`,
:class:`ActuatorRateLimit`, :class:`ActuatorSaturation`; the repeat's bookkeeping is :class:`RepeatedSteps`.
"""

from rlkit.envs.effects.action_delay import ActuatorDelay
from rlkit.envs.effects.action_effect import ActionEffect, neutral_action
from rlkit.envs.effects.action_noise import ActuatorNoise
from rlkit.envs.effects.action_rate_limit import ActuatorRateLimit
from rlkit.envs.effects.action_saturation import ActuatorSaturation
from rlkit.envs.effects.bias import SensorBias
from rlkit.envs.effects.chains import ActuatorChain, SensorChain
from rlkit.envs.effects.channel_effect import ChannelEffect
from rlkit.envs.effects.clip import SensorClip
from rlkit.envs.effects.drift import SensorDrift
from rlkit.envs.effects.dropout import SensorDropout
from rlkit.envs.effects.gain import SensorGain
from rlkit.envs.effects.latency import DelayLine, ObservationLatency
from rlkit.envs.effects.noise import SensorNoise
from rlkit.envs.effects.observed import ChannelSelection
from rlkit.envs.effects.quantization import SensorQuantization
from rlkit.envs.effects.repeat import RepeatedSteps
from rlkit.envs.effects.sample_and_hold import SensorSampleAndHold

__all__ = [
    "ActionEffect",
    "ActuatorChain",
    "ActuatorDelay",
    "ActuatorNoise",
    "ActuatorRateLimit",
    "ActuatorSaturation",
    "ChannelEffect",
    "ChannelSelection",
    "DelayLine",
    "ObservationLatency",
    "RepeatedSteps",
    "SensorBias",
    "SensorChain",
    "SensorClip",
    "SensorDrift",
    "SensorDropout",
    "SensorGain",
    "SensorNoise",
    "SensorQuantization",
    "SensorSampleAndHold",
    "neutral_action",
]
