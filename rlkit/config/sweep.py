"""The sweep file of ``rlkit eval --sweep``: one or two axes of fixed perturbations to evaluate a policy on.

A sweep is a grid: every combination of the axes' values is one cell, evaluated for ``episodes`` episodes.
The perturbations an axis can name are the table :data:`rlkit.config.perturbations.PERTURBATIONS`.

.. code-block:: yaml

    episodes: 10
    axes:
      - {perturbation: mass_scale, values: [0.5, 0.75, 1.0, 1.25, 1.5]}
      - {perturbation: observation_noise, values: [0.0, 0.05, 0.1]}
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from rlkit.config.base import StrictModel
from rlkit.config.perturbations import PERTURBATIONS, Perturbation


class SweepAxis(StrictModel):
    """One axis of the grid: a perturbation and the values it takes."""

    perturbation: str = Field(..., description="what is perturbed (see rlkit eval --help)")
    values: list[float] = Field(..., min_length=1, description="the values, in the order they are shown")
    body: str | None = Field(
        default=None,
        description="push_force: the pushed body; payload_mass: the loaded body (None: the model's first "
        "body, the robot's root)",
    )
    interval: tuple[int, int] = Field(
        default=(25, 100), description="push_force: env steps between pushes, uniform over [min, max]"
    )
    duration: int = Field(default=5, ge=1, description="push_force: env steps each push lasts")

    @field_validator("perturbation")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in PERTURBATIONS:
            raise ValueError(f"unknown perturbation '{name}' (valid: {', '.join(PERTURBATIONS)})")
        return name

    @model_validator(mode="after")
    def _valid_values(self) -> SweepAxis:
        if any(v < 0 for v in self.values):
            raise ValueError(f"{self.perturbation} values must be non-negative, got {self.values}")
        if self.kind.whole_steps and any(v != int(v) for v in self.values):
            raise ValueError(f"{self.perturbation} values are whole control steps, got {self.values}")
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"values must not repeat, got {self.values}")
        if self.perturbation not in ("push_force", "payload_mass") and self.body is not None:
            raise ValueError("body is for push_force and payload_mass only")
        if not 1 <= self.interval[0] <= self.interval[1]:
            raise ValueError("interval must be [min, max] with 1 <= min <= max")
        return self

    @property
    def kind(self) -> Perturbation:
        """The perturbation's declaration."""
        return PERTURBATIONS[self.perturbation]

    @property
    def nominal(self) -> float:
        """The value of this perturbation that changes nothing."""
        return self.kind.nominal

    @property
    def needs_pixels(self) -> bool:
        """Whether the perturbation acts on camera images (a pixel policy's)."""
        return self.kind.needs_pixels


class SweepConfig(StrictModel):
    """A robustness sweep: a grid of one or two perturbation axes, each cell evaluated on fixed episodes."""

    name: str | None = Field(default=None, description="the sweep's name (None: the file's name)")
    episodes: int = Field(
        default=10, ge=1, description="evaluation episodes per cell (rlkit eval --episodes wins)"
    )
    baseline: Literal["nominal", "training"] = Field(
        default="nominal",
        description="the world the perturbations apply to: 'nominal' pins the run's randomization, noise, "
        "latency and pushes at their nominal values; 'training' keeps the run's env config as trained",
    )
    axes: list[SweepAxis] = Field(..., min_length=1, max_length=2, description="one or two axes")

    @model_validator(mode="after")
    def _distinct_axes(self) -> SweepConfig:
        if len(self.axes) == 2 and self.axes[0].perturbation == self.axes[1].perturbation:
            raise ValueError(
                f"the two axes must perturb different things, both are {self.axes[0].perturbation}"
            )
        return self


#: Sweeps known by name (``rlkit eval RUN --sweep physics``): a one-line description and the sweep.
BUILTIN_SWEEPS: dict[str, tuple[str, dict]] = {
    "physics": (
        "body mass × friction",
        {
            "axes": [
                {"perturbation": "mass_scale", "values": [0.5, 0.75, 1.0, 1.25, 1.5]},
                {"perturbation": "friction_scale", "values": [0.25, 0.5, 1.0, 1.5, 2.0]},
            ]
        },
    ),
    "sensors": (
        "observation noise × observation latency",
        {
            "axes": [
                {"perturbation": "observation_noise", "values": [0.0, 0.02, 0.05, 0.1, 0.2]},
                {"perturbation": "observation_latency", "values": [0, 1, 2, 3]},
            ]
        },
    ),
    "actuation": (
        "actuator gain × action latency",
        {
            "axes": [
                {"perturbation": "actuator_gain", "values": [0.5, 0.75, 1.0, 1.25, 1.5]},
                {"perturbation": "action_latency", "values": [0, 1, 2, 3]},
            ]
        },
    ),
    "pushes": (
        "push force on the robot's root body",
        {"axes": [{"perturbation": "push_force", "values": [0.0, 10.0, 25.0, 50.0, 100.0]}]},
    ),
    "legged-physics": (
        "payload on the robot's root body × friction (the legged-robot ranges)",
        {
            "axes": [
                {"perturbation": "payload_mass", "values": [0.8, 1.0, 1.15, 1.3]},
                {"perturbation": "friction_scale", "values": [0.4, 0.6, 0.8, 1.0, 1.2]},
            ]
        },
    ),
    "legged-actuation": (
        "PD gains × action latency (the legged-robot ranges)",
        {
            "axes": [
                {"perturbation": "actuator_gain", "values": [0.8, 0.9, 1.0, 1.1, 1.2]},
                {"perturbation": "action_latency", "values": [0, 1, 2]},
            ]
        },
    ),
    "reality": (
        "actuator lag × contact softness: what training never randomizes",
        {
            "axes": [
                {"perturbation": "actuator_lag", "values": [0.0, 0.005, 0.01, 0.02]},
                {"perturbation": "contact_timeconst", "values": [0.005, 0.01, 0.02, 0.04]},
            ]
        },
    ),
    "pixels": (
        "light intensity × camera noise (pixel policies)",
        {
            "axes": [
                {"perturbation": "light_intensity", "values": [0.25, 0.5, 1.0, 1.5, 2.0]},
                {"perturbation": "camera_noise", "values": [0.0, 4.0, 8.0, 16.0]},
            ]
        },
    ),
}
