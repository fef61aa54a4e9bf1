"""The sensor and actuator layers a config asks for, in the one order both paths apply them.

:func:`actuator_layers` and :func:`sensor_layers` read ``env.actuators`` and ``env.sensors`` through the
effect tables of :mod:`rlkit.config.sim2real_effects` and list the effects that are on, each with the keyword
arguments its per-env wrapper (:mod:`rlkit.envs.sensors`, :mod:`rlkit.envs.actuators`) and its array effect
(:mod:`rlkit.envs.effects`) both take. ``make_env`` wraps a single env in these layers, innermost first; the
batched backend applies the array effects to all its envs in the same order
(:class:`~rlkit.envs.effects.chains.SensorChain`, :class:`~rlkit.envs.effects.chains.ActuatorChain`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import gymnasium as gym
import numpy as np

from rlkit.config.sim2real import ActuatorModelConfig, SensorsConfig
from rlkit.config.sim2real_effects import (
    ACTUATOR_EFFECTS,
    OBSERVATION_LATENCY,
    SENSOR_MODEL_EFFECTS,
    Effect,
)
from rlkit.envs.actuators.actuator_effect import ActuatorEffectWrapper
from rlkit.envs.effects.channel_effect import ChannelEffect
from rlkit.envs.effects.selection import select_channels
from rlkit.envs.sensors.sensor_effect import SensorEffectWrapper
from rlkit.errors import RlkitError
from rlkit.registry import import_attr


@dataclass(frozen=True)
class Layer:
    """One effect that is on, and the keyword arguments its wrapper and its array effect take."""

    declaration: Effect
    arguments: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The name of its per-env wrapper class (``ObservationNoise``), or of its array effect where it has
        no wrapper of its own (``SensorGain``): the name of its random streams."""
        entry_point = self.declaration.wrapper or self.declaration.effect
        assert entry_point is not None  # an effect the stepper applies has a wrapper
        return entry_point.rpartition(":")[2]

    def wrapper(self) -> Callable[..., gym.Env]:
        """Builds its per-env wrapper around an env from the layer's arguments."""
        if self.declaration.wrapper is not None:
            wrapper = import_attr(self.declaration.wrapper, "sensor or actuator wrapper")
            return cast(Callable[..., gym.Env], wrapper)
        effect = self.effect()
        generic = SensorEffectWrapper if issubclass(effect, ChannelEffect) else ActuatorEffectWrapper
        return functools.partial(generic, effect=effect)

    def effect(self) -> Any:
        """Its array effect class (None for the action repeat, which the stepper applies)."""
        if self.declaration.effect is None:
            return None
        return import_attr(self.declaration.effect, "sensor or actuator effect")


def actuator_layers(
    config: ActuatorModelConfig, delay_groups: Sequence[Sequence[int] | np.ndarray] | None = None
) -> list[Layer]:
    """The actuator models of ``env.actuators`` that are on, innermost first: the table lists them in the
    order an action meets them (noise first), so repeat sits next to the simulator. ``delay_groups`` (a
    team's robots' actuators) give each group a latency of its own."""
    layers = []
    for effect in reversed(ACTUATOR_EFFECTS):
        if not effect.is_on(config):
            continue
        arguments = effect.arguments(config)
        if delay_groups is not None and effect.key == "latency":
            arguments = {**arguments, "groups": [list(map(int, group)) for group in delay_groups]}
        layers.append(Layer(effect, arguments))
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
    """The sensor models of ``env.sensors.models`` that are on, innermost first: per channel group, in the
    order a reading meets them (the table's order).

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
        for effect in SENSOR_MODEL_EFFECTS:
            if not effect.is_on(model):
                continue
            arguments = {**effect.arguments(model), "channels": channels}
            if effect.stream:  # each group's copy of an effect draws from its own stream
                arguments["stream"] = f"{Layer(effect).name}/{i}"
            layers.append(Layer(effect, arguments))
    return layers


def observation_latency(config: SensorsConfig) -> Layer | None:
    """The observation latency of ``env.sensors.latency``, outermost of the sensor layers (None: off)."""
    if not OBSERVATION_LATENCY.is_on(config):
        return None
    return Layer(OBSERVATION_LATENCY, OBSERVATION_LATENCY.arguments(config))
