"""Every sensor and actuator effect, declared once: its config field, its per-env wrapper and array effect,
its nominal value, and its sweep axis.

The tables here are the one place an effect is added. The config sections ``env.sensors.models[i]`` and
``env.actuators`` are built from their fields (:mod:`rlkit.config.sim2real`); the env builder stacks the
per-env wrappers and the batched backend chains the array effects in the tables' order
(:mod:`rlkit.envs.effects.layers`); ``rlkit eval --sweep`` takes each declared sweep axis, and its nominal
world turns every noise effect off (:mod:`rlkit.config.perturbations`,
:mod:`rlkit.evaluate.sweep_world`); ``--help`` lists them all.

Adding an effect is its array effect (a class of :mod:`rlkit.envs.effects`) and one entry here. The wrapper
and the array effect are named by entry point (``"module:Class"``), imported when an env is built,
so that this foundation-layer table names classes of the envs layer without importing them. A wrapper and its
array effect take the same keyword arguments, which ``arguments`` derives from the config section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from rlkit.config.base import StrictModel


class LatencyConfig(StrictModel):
    """A delay in control steps: fixed (min = max) or drawn per episode, uniform over [min, max]."""

    min: int = Field(default=0, ge=0, description="smallest delay in control steps")
    max: int = Field(default=0, ge=0, description="largest delay in control steps")

    @model_validator(mode="after")
    def _ordered(self) -> LatencyConfig:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self


@dataclass(frozen=True)
class SweepAxis:
    """How ``rlkit eval --sweep`` sets an effect to a fixed value ``v``.

    Attributes:
        name: The axis' name in a sweep file.
        description: What ``v`` sets, for ``--help`` and the sweep's report.
        nominal: The value of ``v`` that changes nothing.
        value: The config value for ``v`` (default: ``v`` itself).
        whole_steps: Values are whole control steps.
    """

    name: str
    description: str
    nominal: float
    value: Callable[[float], Any] = lambda v: v
    whole_steps: bool = False


@dataclass(frozen=True)
class Effect:
    """One sensor or actuator effect.

    Attributes:
        key: Its field in the config section (``env.sensors.models[i]``, ``env.actuators``, ``env.sensors``).
        annotation: The field's type.
        field: The field: its default is the nominal value (the effect is off), its description the docs.
        wrapper: The per-env wrapper, ``"module:Class"`` (None: the array effect on a batch of one through
            the generic wrapper of its kind, :class:`~rlkit.envs.sensors.SensorEffectWrapper` or
            :class:`~rlkit.envs.actuators.ActuatorEffectWrapper`).
        effect: The array effect on ``(num_envs, ...)``, ``"module:Class"`` (None: applied by the stepper,
            as the action repeat is).
        arguments: The keyword arguments wrapper and effect take, from the config section that holds the
            field (the section, not the value, so that an effect can read a companion field).
        noise: It is random noise on what the robot senses or does: the sweep's nominal world turns it off
            (what shapes the observation or the action, such as quantization or a rate limit, stays).
        stream: Each channel group's copy draws from its own named random stream (``stream`` argument).
        sweep: Its axis in ``rlkit eval --sweep`` (None: not sweepable).
        extra: Companion fields of the same section that only this effect reads, by key.
        is_nominal: Whether a value of the field leaves the effect off (default: it equals the nominal).
    """

    key: str
    annotation: Any
    field: Any  # a pydantic FieldInfo: Field(...) reads as its default's type to type checkers
    wrapper: str | None
    effect: str | None
    arguments: Callable[[Any], dict[str, Any]]
    noise: bool = False
    stream: bool = False
    sweep: SweepAxis | None = None
    extra: dict[str, tuple[Any, Any]] | None = None
    is_nominal: Callable[[Any], bool] | None = None

    @property
    def nominal(self) -> Any:
        """The field's value that turns the effect off."""
        return self.field.default

    def is_on(self, section: Any) -> bool:
        """Whether ``section`` turns the effect on."""
        value = getattr(section, self.key)
        return not (self.is_nominal(value) if self.is_nominal is not None else value == self.nominal)


def _latency_arguments(latency: LatencyConfig) -> dict[str, Any]:
    return {"min_delay": latency.min, "max_delay": latency.max}


def _fixed_latency(v: float) -> dict[str, int]:
    return {"min": int(v), "max": int(v)}


def _no_latency(latency: LatencyConfig | None) -> bool:
    return latency is None or latency.max == 0


_SENSORS = "rlkit.envs.sensors"
_ACTUATORS = "rlkit.envs.actuators"
_EFFECTS = "rlkit.envs.effects"

#: The sensor models of a channel group (``env.sensors.models[i]``), in the order a reading meets them.
SENSOR_MODEL_EFFECTS: tuple[Effect, ...] = (
    Effect(
        "update_every",
        int,
        Field(
            default=1, ge=1, description="the sensor updates every this many control steps (sample-and-hold)"
        ),
        f"{_SENSORS}:SampleAndHold",
        f"{_EFFECTS}.sample_and_hold:SensorSampleAndHold",
        lambda m: {"period": m.update_every},
        stream=True,  # each episode's phase is drawn
    ),
    Effect(
        "gain_std",
        float,
        Field(default=0.0, ge=0, description="per-episode scale-factor error: readings × N(1, gain_std)"),
        None,
        f"{_EFFECTS}.gain:SensorGain",
        lambda m: {"std": m.gain_std},
        noise=True,
        stream=True,
        sweep=SweepAxis("observation_gain", "readings × a gain ~ N(1, v²) per episode on every channel", 0.0),
    ),
    Effect(
        "bias_std",
        float,
        Field(default=0.0, ge=0, description="per-episode constant bias ~ N(0, bias_std)"),
        f"{_SENSORS}:ObservationBias",
        f"{_EFFECTS}.bias:SensorBias",
        lambda m: {"std": m.bias_std},
        noise=True,
        stream=True,
        sweep=SweepAxis("observation_bias", "a constant bias ~ N(0, v²) per episode on every channel", 0.0),
    ),
    Effect(
        "drift_std",
        float,
        Field(default=0.0, ge=0, description="random-walk drift, std of each step's increment"),
        f"{_SENSORS}:ObservationDrift",
        f"{_EFFECTS}.drift:SensorDrift",
        lambda m: {"std": m.drift_std},
        noise=True,
        stream=True,
        sweep=SweepAxis("observation_drift", "a random-walk drift of step std v on every channel", 0.0),
    ),
    Effect(
        "noise_std",
        float,
        Field(default=0.0, ge=0, description="additive Gaussian noise, standard deviation"),
        f"{_SENSORS}:ObservationNoise",
        f"{_EFFECTS}.noise:SensorNoise",
        lambda m: {"std": m.noise_std},
        noise=True,
        stream=True,
        sweep=SweepAxis("observation_noise", "Gaussian noise of std v on every observation channel", 0.0),
    ),
    Effect(
        "quantization",
        float,
        Field(default=0.0, ge=0, description="resolution: readings round to multiples (0: off)"),
        f"{_SENSORS}:ObservationQuantization",
        f"{_EFFECTS}.quantization:SensorQuantization",
        lambda m: {"step": m.quantization},
    ),
    Effect(
        "clip",
        tuple[float, float] | None,
        Field(default=None, description="measurement range [low, high] (None: off)"),
        f"{_SENSORS}:ObservationClip",
        f"{_EFFECTS}.clip:SensorClip",
        lambda m: {"low": m.clip[0], "high": m.clip[1]},
    ),
    Effect(
        "dropout",
        float,
        Field(default=0.0, ge=0, le=1, description="probability that a reading is lost each step"),
        f"{_SENSORS}:ObservationDropout",
        f"{_EFFECTS}.dropout:SensorDropout",
        lambda m: {"probability": m.dropout, "mode": m.dropout_mode},
        noise=True,
        stream=True,
        sweep=SweepAxis("observation_dropout", "every reading lost with probability v (held)", 0.0),
        extra={
            "dropout_mode": (
                Literal["zero", "hold"],
                Field(
                    default="hold", description="a lost reading reads zero, or holds the last delivered value"
                ),
            )
        },
    ),
)

#: The observation latency (``env.sensors.latency``), outermost of the sensor layers.
OBSERVATION_LATENCY = Effect(
    "latency",
    LatencyConfig | None,
    Field(default=None, description="observation delay in control steps"),
    f"{_SENSORS}:ObservationDelay",
    f"{_EFFECTS}.latency:ObservationLatency",
    lambda s: _latency_arguments(s.latency),
    noise=True,
    is_nominal=_no_latency,
    sweep=SweepAxis(
        "observation_latency", "the whole observation delayed by v control steps", 0.0, _fixed_latency, True
    ),
)

#: The actuator models (``env.actuators``), in the order an action meets them: noise first, repeat last.
ACTUATOR_EFFECTS: tuple[Effect, ...] = (
    Effect(
        "noise_std",
        float,
        Field(
            default=0.0,
            ge=0,
            description="Gaussian action noise, std as a fraction of each action's half-range",
        ),
        f"{_ACTUATORS}:ActionNoise",
        f"{_EFFECTS}.action_noise:ActuatorNoise",
        lambda a: {"std_fraction": a.noise_std},
        noise=True,
        sweep=SweepAxis(
            "action_noise", "Gaussian noise of std v × each action's half-range on every action", 0.0
        ),
    ),
    Effect(
        "latency",
        LatencyConfig | None,
        Field(default=None, description="delay before an action takes effect"),
        f"{_ACTUATORS}:ActionDelay",
        f"{_EFFECTS}.action_delay:ActuatorDelay",
        lambda a: _latency_arguments(a.latency),
        noise=True,
        is_nominal=_no_latency,
        sweep=SweepAxis(
            "action_latency", "every action delayed by v control steps", 0.0, _fixed_latency, True
        ),
    ),
    Effect(
        "rate_limit",
        float | None,
        Field(
            default=None,
            gt=0,
            description="largest change per step, as a fraction of each action's full range",
        ),
        f"{_ACTUATORS}:ActionRateLimit",
        f"{_EFFECTS}.action_rate_limit:ActuatorRateLimit",
        lambda a: {"max_change_fraction": a.rate_limit},
    ),
    Effect(
        "saturation",
        float | None,
        Field(
            default=None,
            gt=0,
            le=1,
            description="actuators reach only this fraction of their range around its centre",
        ),
        f"{_ACTUATORS}:ActionSaturation",
        f"{_EFFECTS}.action_saturation:ActuatorSaturation",
        lambda a: {"fraction": a.saturation},
    ),
    Effect(
        "repeat",
        int,
        Field(default=1, ge=1, description="each action is held for this many env steps (rewards summed)"),
        f"{_ACTUATORS}:ActionRepeat",
        None,
        lambda a: {"repeat": a.repeat},
    ),
)


def section_fields(effects: tuple[Effect, ...]) -> dict[str, Any]:
    """The pydantic fields of a config section holding ``effects``, for ``pydantic.create_model``."""
    fields: dict[str, Any] = {}
    for effect in effects:
        fields[effect.key] = (effect.annotation, effect.field)
        fields.update(effect.extra or {})
    return fields
