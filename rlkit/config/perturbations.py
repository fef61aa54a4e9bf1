"""The perturbations a robustness sweep can set, each declared once: its name, what it does, its nominal
value, the kind of values it takes, and how it rewrites an env config.

``rlkit eval --sweep`` validates sweep axes against :data:`PERTURBATIONS`, lists them in ``--help`` and
applies them through :func:`apply_perturbation`. The sensor and actuator perturbations are the sweep axes of
the effect tables (:mod:`rlkit.config.sim2real_effects`), where a new effect declares its own; the others
(physics, pushes, pixels) are declared here, one :class:`Perturbation` each.
Each one rewrites the plain-data form of an ``env`` section (``EnvConfig.model_dump()``), replacing the one
layer it names whatever the run was trained with, so that the result validates as an ``EnvConfig`` again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rlkit.config.sim2real_effects import (
    ACTUATOR_EFFECTS,
    OBSERVATION_LATENCY,
    SENSOR_MODEL_EFFECTS,
    Effect,
    SweepAxis,
)
from rlkit.errors import RlkitError

#: An env section as plain data (``EnvConfig.model_dump()``), rewritten in place.
RawEnv = dict[str, Any]


@dataclass(frozen=True)
class PushSetting:
    """The body a ``push_force`` axis pushes (and where and how often) or a ``payload_mass`` axis loads."""

    body: str | None
    interval: tuple[int, int]
    duration: int


@dataclass(frozen=True)
class Perturbation:
    """One sweepable perturbation.

    Attributes:
        description: What value ``v`` sets, for ``--help`` and the sweep's report.
        nominal: The value that changes nothing.
        whole_steps: Values are whole control steps (latencies).
        needs_pixels: It acts on camera images, so only a pixel policy's run can take it.
        apply: Rewrites a raw env section for value ``v``.
    """

    description: str
    nominal: float
    apply: Callable[[RawEnv, float, PushSetting], None]
    whole_steps: bool = False
    needs_pixels: bool = False


def _pin_parameter(parameter: str, **extra: Any) -> Callable[[RawEnv, float, PushSetting], None]:
    """Replace every randomization entry of ``parameter`` by one that sets every element to exactly ``v``."""

    def apply(raw: RawEnv, value: float, _: PushSetting) -> None:
        randomization = raw["randomization"]
        kept = [e for e in randomization["parameters"] if e["parameter"] != parameter]
        fixed = {"parameter": parameter, "names": ".*", "low": value, "high": value, "shared": True, **extra}
        randomization["parameters"] = [*kept, fixed]

    return apply


def _sensor_model(effect: Effect, axis: SweepAxis) -> Callable[[RawEnv, float, PushSetting], None]:
    """Turn ``effect`` off in every channel group, then add one group of every channel with it at ``v``."""

    def apply(raw: RawEnv, value: float, _: PushSetting) -> None:
        models = [{**model, effect.key: effect.nominal} for model in raw["sensors"]["models"]]
        raw["sensors"]["models"] = [*models, {"channels": ".*", effect.key: axis.value(value)}]

    return apply


def _section_field(
    section: str, effect: Effect, axis: SweepAxis
) -> Callable[[RawEnv, float, PushSetting], None]:
    """Set ``effect``'s field of ``raw[section]`` to its value for ``v``."""

    def apply(raw: RawEnv, value: float, _: PushSetting) -> None:
        raw[section][effect.key] = axis.value(value)

    return apply


def _effect_axes() -> dict[str, Perturbation]:
    """The sweep axes the sensor and actuator effects declare, in their tables' order."""
    axes: dict[str, Perturbation] = {}
    declared = [
        *((effect, _sensor_model) for effect in SENSOR_MODEL_EFFECTS),
        (OBSERVATION_LATENCY, lambda e, a: _section_field("sensors", e, a)),
        *((effect, lambda e, a: _section_field("actuators", e, a)) for effect in ACTUATOR_EFFECTS),
    ]
    for effect, setter in declared:
        if effect.sweep is not None:
            axis = effect.sweep
            axes[axis.name] = Perturbation(
                axis.description, axis.nominal, setter(effect, axis), whole_steps=axis.whole_steps
            )
    return axes


def _push_force(raw: RawEnv, value: float, push: PushSetting) -> None:
    if push.body is None:
        raise RlkitError("perturbation push_force needs a body: add 'body: NAME' to its axis")
    raw["randomization"]["pushes"] = {
        "body": push.body,
        "interval": list(push.interval),
        "duration": push.duration,
        "force": [value, value],
    }


def _payload_mass(raw: RawEnv, value: float, push: PushSetting) -> None:
    """The axis' body's mass (and inertia) × ``v``, every other body's at nominal: a payload on the base."""
    if push.body is None:
        raise RlkitError("perturbation payload_mass needs a body: add 'body: NAME' to its axis")
    randomization = raw["randomization"]
    kept = [e for e in randomization["parameters"] if e["parameter"] != "body_mass"]
    loaded = {"parameter": "body_mass", "names": push.body, "low": value, "high": value, "shared": True}
    randomization["parameters"] = [*kept, loaded]


def _simulator_field(field: str, contact: bool = False) -> Callable[[RawEnv, float, PushSetting], None]:
    """Set ``env.simulator``'s ``field`` to ``v`` (a contact time constant with MuJoCo's damping ratio 1)."""

    def apply(raw: RawEnv, value: float, _: PushSetting) -> None:
        simulator = dict(raw.get("simulator") or {})
        simulator[field] = (value, 1.0) if contact else value
        raw["simulator"] = simulator

    return apply


def _light_intensity(raw: RawEnv, value: float, _: PushSetting) -> None:
    visual = raw["visual_randomization"] or {}
    lights = {"names": ".*", "headlight": True, "diffuse": [value, value], "ambient": [value, value]}
    raw["visual_randomization"] = {**visual, "lights": lights, "scale": 1.0}


def _camera_noise(raw: RawEnv, value: float, _: PushSetting) -> None:
    camera = raw["camera"] or {}
    noise = {"gaussian_std": [value, value], "per": "frame"} if value > 0 else None
    raw["camera"] = {**camera, "noise": noise}


#: Every perturbation a sweep axis can name.
PERTURBATIONS: dict[str, Perturbation] = {
    "mass_scale": Perturbation("every body's mass (and inertia) × v", 1.0, _pin_parameter("body_mass")),
    "payload_mass": Perturbation(
        "the axis' body's mass (and inertia) × v, the others nominal (default body: the robot's root)",
        1.0,
        _payload_mass,
    ),
    "friction_scale": Perturbation(
        "every geom's friction coefficients × v", 1.0, _pin_parameter("geom_friction", friction="all")
    ),
    "actuator_gain": Perturbation("every actuator's gain × v", 1.0, _pin_parameter("actuator_gain")),
    **_effect_axes(),
    "push_force": Perturbation(
        "pushes of v newtons on the axis' body (default: the robot's root body)", 0.0, _push_force
    ),
    "actuator_lag": Perturbation(
        "simulator: a first-order lag of v seconds between each actuator's command and its output",
        0.0,
        _simulator_field("actuator_lag"),
    ),
    "contact_timeconst": Perturbation(
        "simulator: every contact's time constant, v seconds (larger: softer; MuJoCo's default 0.02)",
        0.02,
        _simulator_field("contact_solref", contact=True),
    ),
    "light_intensity": Perturbation(
        "pixels: every light's diffuse and ambient intensity × v", 1.0, _light_intensity, needs_pixels=True
    ),
    "camera_noise": Perturbation(
        "pixels: camera read noise of std v (intensity units, 0-255)", 0.0, _camera_noise, needs_pixels=True
    ),
}


def apply_perturbation(raw: RawEnv, name: str, value: float, push: PushSetting) -> None:
    """Set perturbation ``name`` to ``value`` in the raw env section ``raw``.

    Raises:
        RlkitError: A pixel perturbation on an env without pixel observations, or a push without a body.
    """
    perturbation = PERTURBATIONS[name]
    if perturbation.needs_pixels and raw["pixels"] is None:
        raise RlkitError(
            f"perturbation {name} changes camera images, but the run observes no pixels (env.pixels)"
        )
    perturbation.apply(raw, value, push)
