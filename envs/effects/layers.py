"""The sensor and actuator layers a config asks for, in the one order both paths apply them.

:func:`actuator_layers` and :func:`sensor_layers` read ``env.actuators`` and ``env.sensors`` and list their
effects, each with the keyword arguments its per-env wrapper (:mod:`rlkit.envs.sensors`,
:mod:`rlkit.envs.actuators`) and its array effect (:mod:`rlkit.envs.effects`) both take. ``make_env`` wraps
a single env in these layers, innermost first; the batched backend applies the array effects to all its envs
in the same order (:class:`~rlkit.envs.effects.chains.SensorChain`,
:class:`~rlkit.envs.effects.chains.ActuatorChain`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rlkit.config.sim2real import ActuatorModelConfig, SensorsConfig
from rlkit.envs.effects.selection import select_channels
from rlkit.errors import RlkitError


@dataclass(frozen=True)
class Layer:
    """One effect: the name of its per-env wrapper class and the keyword arguments it takes."""

    effect: str
    arguments: dict[str, Any] = field(default_factory=dict)


def actuator_layers(config: ActuatorModelConfig) -> list[Layer]:
    """The actuator models of ``env.actuators``, innermost first: repeat sits next to the simulator, noise
    meets the policy's action first (noise → latency → rate limit → saturation → repeat)."""
    layers = []
    if config.repeat > 1:
        layers.append(Layer("ActionRepeat", {"repeat": config.repeat}))
    if config.saturation is not None:
        layers.append(Layer("ActionSaturation", {"fraction": config.saturation}))
    if config.rate_limit is not None:
        layers.append(Layer("ActionRateLimit", {"max_change_fraction": config.rate_limit}))
    if config.latency is not None and config.latency.max > 0:
        layers.append(
            Layer("ActionDelay", {"min_delay": config.latency.min, "max_delay": config.latency.max})
        )
    if config.noise_std > 0:
        layers.append(Layer("ActionNoise", {"std_fraction": config.noise_std}))
    return layers


def observed_channels(config: SensorsConfig, names: list[str]) -> np.ndarray | None:
    """The channels ``env.sensors.observed`` keeps (None: all).

    Raises:
        RlkitError: The selection names no channel, or an unknown one.
    """
    if config.observed is None:
        return None
    try:
        return select_channels(names, config.observed)
    except RlkitError as exc:
        raise RlkitError(f"env.sensors.observed: {exc}") from None


def sensor_layers(config: SensorsConfig, names: list[str]) -> list[Layer]:
    """The sensor models of ``env.sensors.models``, innermost first, per channel group in the order a reading
    meets them: sample-and-hold → bias → drift → noise → quantization → clipping → dropout.

    Args:
        config: The ``env.sensors`` section.
        names: The observed channels' names (after ``env.sensors.observed``).

    Raises:
        RlkitError: A group's channels name no channel, or an unknown one.
    """
    layers = []
    for i, model in enumerate(config.models):
        try:
            channels = select_channels(names, model.channels)
        except RlkitError as exc:
            raise RlkitError(f"env.sensors.models[{i}].channels: {exc}") from None
        stream = f"/{i}"
        if model.update_every > 1:
            layers.append(
                Layer(
                    "SampleAndHold",
                    {"period": model.update_every, "channels": channels, "stream": f"SampleAndHold{stream}"},
                )
            )
        if model.bias_std > 0:
            layers.append(
                Layer(
                    "ObservationBias",
                    {"std": model.bias_std, "channels": channels, "stream": f"ObservationBias{stream}"},
                )
            )
        if model.drift_std > 0:
            layers.append(
                Layer(
                    "ObservationDrift",
                    {"std": model.drift_std, "channels": channels, "stream": f"ObservationDrift{stream}"},
                )
            )
        if model.noise_std > 0:
            layers.append(
                Layer(
                    "ObservationNoise",
                    {"std": model.noise_std, "channels": channels, "stream": f"ObservationNoise{stream}"},
                )
            )
        if model.quantization > 0:
            layers.append(
                Layer("ObservationQuantization", {"step": model.quantization, "channels": channels})
            )
        if model.clip is not None:
            low, high = model.clip
            layers.append(Layer("ObservationClip", {"low": low, "high": high, "channels": channels}))
        if model.dropout > 0:
            layers.append(
                Layer(
                    "ObservationDropout",
                    {
                        "probability": model.dropout,
                        "mode": model.dropout_mode,
                        "channels": channels,
                        "stream": f"ObservationDropout{stream}",
                    },
                )
            )
    return layers


def observation_latency(config: SensorsConfig) -> Layer | None:
    """The observation latency of ``env.sensors.latency``, outermost of the sensor layers (None: off)."""
    if config.latency is None or config.latency.max <= 0:
        return None
    return Layer("ObservationDelay", {"min_delay": config.latency.min, "max_delay": config.latency.max})
