"""Sensor models: small wrappers, one per effect, on chosen channels of a flat observation.

:class:`ObservedChannels` first keeps only the channels the robot has sensors for (a partially observable
task). Compose the effects innermost first in this order (that of
:class:`rlkit.config.sim2real.SensorModelConfig`): :class:`SampleAndHold`, the gain error,
:class:`ObservationBias`, :class:`ObservationDrift`, :class:`ObservationNoise`,
:class:`ObservationQuantization`, :class:`ObservationClip`, :class:`ObservationDropout`; then
:class:`ObservationDelay` outside every sensor model; :class:`SensorEffectWrapper` applies an effect that has
no wrapper of its own (:class:`~rlkit.envs.effects.gain.SensorGain`). Channels are chosen with
:func:`channel_names` and :func:`select_channels`. Every effect draws its random numbers from its own
:class:`~rlkit.sim.random_stream.RandomStream`, re-seeded by ``reset(seed=...)``, and keeps the observation
space. Wrap each single env (inside a vector env, not around it): every reset of that env, autoresets
included, clears the effects' per-episode state, whatever the vector env's ``autoreset_mode``.

Each wrapper applies an array effect of :mod:`rlkit.envs.effects` to a batch of one env; the ``batched``
rollout backend applies the same effects to all its envs at once, so each effect is implemented once.
"""

from rlkit.envs.sensors.bias import ObservationBias
from rlkit.envs.sensors.channels import ChannelWrapper, channel_names, select_channels
from rlkit.envs.sensors.clip import ObservationClip
from rlkit.envs.sensors.drift import ObservationDrift
from rlkit.envs.sensors.dropout import ObservationDropout
from rlkit.envs.sensors.latency import ObservationDelay
from rlkit.envs.sensors.noise import ObservationNoise
from rlkit.envs.sensors.observed import ObservedChannels
from rlkit.envs.sensors.quantization import ObservationQuantization
from rlkit.envs.sensors.sample_and_hold import SampleAndHold
from rlkit.envs.sensors.sensor_effect import SensorEffectWrapper

__all__ = [
    "ChannelWrapper",
    "ObservationBias",
    "ObservationClip",
    "ObservationDelay",
    "ObservationDrift",
    "ObservationDropout",
    "ObservationNoise",
    "ObservationQuantization",
    "ObservedChannels",
    "SampleAndHold",
    "SensorEffectWrapper",
    "channel_names",
    "select_channels",
]
