"""``calibrate``: what ``rlkit calibrate CONFIG LOG...`` identifies from a robot's logs, and how.

The parameters are named and selected exactly as ``env.randomization.parameters`` entries are (the same
``parameter``, ``names``, ``mode``, ``shared``, ``friction``); here ``low`` and ``high`` bound the search
instead of the draw. Each selected element gets a value of its own, or one for all with ``shared``. Sensor
delays and biases are identified per channel group, named by regular expressions over the logged channels.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from rlkit.config.base import StrictModel
from rlkit.config.sim2real import ParameterRandomization


class DelayGroup(StrictModel):
    """Channels that reach the logger late by one common delay (one sensor, one bus)."""

    channels: str = Field(..., description="regular expression over the logged channel names (full match)")
    max: float = Field(default=0.1, gt=0, description="the largest delay searched, s")


class BiasGroup(StrictModel):
    """Channels that each read a constant offset from the truth (an encoder's zero, an IMU's bias)."""

    channels: str = Field(..., description="regular expression over the logged channel names (full match)")


class CalibrateConfig(StrictModel):
    """What ``rlkit calibrate`` identifies, and the config it writes."""

    parameters: list[ParameterRandomization] = Field(
        default_factory=list,
        description="model parameters to identify, as env.randomization.parameters entries; low/high bound "
        "the search (a factor for mode scale, an offset for mode offset)",
    )
    delays: list[DelayGroup] = Field(
        default_factory=list, description="sensor delays to identify, one per channel group"
    )
    biases: list[BiasGroup] = Field(
        default_factory=list, description="sensor biases to identify, one per channel of each group"
    )
    channels: str | None = Field(
        default=None,
        description="regular expression of the logged channels compared (None: every logged channel that "
        "measures the robot: not commands or last actions)",
    )
    logged_with: list[str] = Field(
        default_factory=list,
        description="dotted env overrides the logs were recorded under, applied to the replay only (e.g. "
        "env.simulator.hang_base=0.3 for a robot hung from a stand)",
    )
    segment_seconds: float | None = Field(
        default=None,
        gt=0,
        description="replay each episode in segments this long, each from its own logged first state "
        "(multiple shooting), for motion whose open-loop replay drifts over a whole episode (a floating-base "
        "robot on the ground: log its base pose); None: whole episodes",
    )
    continuation_seconds: list[float] = Field(
        default_factory=list,
        description="shorter segment lengths to fit first, in increasing order (a continuation): each fit "
        "starts where the one before ended, the last runs on segment_seconds; a short segment's cost has "
        "fewer local minima (the replay of a swinging or tumbling motion diverges less), a long one's more "
        "information",
    )
    skip_seconds: float = Field(
        default=0.2,
        ge=0,
        description="each episode's (or segment's) first seconds are replayed but not compared: the replay "
        "starts from a "
        "measured state whose unmeasured parts (and noisy velocities) it has to forget first",
    )
    iterations: int = Field(default=50, ge=1, description="least-squares iterations at most")
    confidence: float = Field(
        default=0.95, gt=0, lt=1, description="the confidence level of the intervals reported"
    )
    width: float = Field(
        default=2.0,
        gt=0,
        description="the written config randomizes each identified value over ± width × its confidence "
        "interval's half-width",
    )
    min_width: float = Field(
        default=0.0,
        ge=0,
        lt=1,
        description="the smallest half-width of the written randomization of a scale parameter, as a "
        "fraction of its identified value (clean logs give intervals too narrow to randomize over)",
    )

    @model_validator(mode="after")
    def _continuation_leads_up(self) -> CalibrateConfig:
        stages = self.continuation_seconds
        if any(seconds <= 0 for seconds in stages) or stages != sorted(set(stages)):
            raise ValueError(f"continuation_seconds {stages} must be positive and increasing")
        if stages and self.segment_seconds is not None and stages[-1] >= self.segment_seconds:
            raise ValueError(
                f"continuation_seconds {stages} must be shorter than segment_seconds "
                f"({self.segment_seconds:g})"
            )
        return self

    @field_validator("logged_with")
    @classmethod
    def _env_overrides(cls, overrides: list[str]) -> list[str]:
        for override in overrides:
            if not override.startswith("env.") or "=" not in override:
                raise ValueError(f"'{override}' must be an env override KEY=VALUE with KEY starting 'env.'")
        return overrides
