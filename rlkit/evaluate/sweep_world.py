"""The world of one sweep cell: a run's env config, pinned to nominal, with fixed perturbations on top.

Two baselines (``baseline`` in the sweep file):

* ``nominal`` (the default): the run's training randomization is *replaced*, so that every run of a
  side-by-side comparison is evaluated in the same world whatever it was trained on. Every physics
  randomization entry is pinned at its nominal value (kept, so that a privileged observation keeps its
  size), pushes are off, every sensor and actuator effect its table marks as noise is off
  (:mod:`rlkit.config.sim2real_effects`: today sensor noise, bias, drift and dropout, actuator noise, and
  both latencies), visual randomization is off and the camera model's noise is off. What shapes the
  observation or the action is kept: observed channels, quantization, clipping, sample-and-hold, rate
  limits, saturation, action repeat, pixels, the rest of the camera model, frame stacking, discretization.
* ``training``: the run's env config as trained, randomization included.

Each perturbation then replaces the one layer it names (e.g. ``mass_scale`` replaces every ``body_mass``
entry by one that scales every body by exactly ``v``), whatever the baseline; the perturbations are declared
in :data:`rlkit.config.perturbations.PERTURBATIONS`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import mujoco

from rlkit.config.loading import validate_model
from rlkit.config.perturbations import PushSetting, apply_perturbation
from rlkit.config.schema import EnvConfig
from rlkit.config.sim2real_effects import ACTUATOR_EFFECTS, OBSERVATION_LATENCY, SENSOR_MODEL_EFFECTS
from rlkit.config.sweep import SweepAxis
from rlkit.envs.factory import make_task_env


def nominal_env_config(env: EnvConfig) -> EnvConfig:
    """``env`` with every random sim2real effect pinned at its nominal value (see the module docstring)."""
    raw = env.model_dump()
    randomization = raw["randomization"]
    randomization["parameters"] = [
        {**entry, "distribution": "uniform", "low": _identity(entry), "high": _identity(entry)}
        for entry in randomization["parameters"]
    ]
    randomization["pushes"] = None
    randomization["curriculum"] = None
    noise = [effect for effect in ACTUATOR_EFFECTS if effect.noise]
    raw["actuators"].update({effect.key: effect.nominal for effect in noise})
    noise = [effect for effect in SENSOR_MODEL_EFFECTS if effect.noise]
    for model in raw["sensors"]["models"]:
        model.update({effect.key: effect.nominal for effect in noise})
    raw["sensors"][OBSERVATION_LATENCY.key] = OBSERVATION_LATENCY.nominal
    raw["visual_randomization"] = None
    if raw["camera"] is not None:
        raw["camera"]["noise"] = None
    return validate_model(EnvConfig, raw, prefix="env")


def perturbed_env_config(
    env: EnvConfig, axes: Sequence[SweepAxis], values: Sequence[float], root_body: str | None = None
) -> EnvConfig:
    """``env`` (already at its baseline) with each axis' perturbation set to its value in ``values``.

    Args:
        env: The baseline env config.
        axes: The sweep's axes.
        values: One value per axis.
        root_body: The body a ``push_force`` axis without ``body`` pushes.

    Raises:
        RlkitError: A pixel perturbation on a run without pixel observations.
    """
    raw = copy.deepcopy(env.model_dump())
    for axis, value in zip(axes, values, strict=True):
        push = PushSetting(axis.body or root_body, axis.interval, axis.duration)
        apply_perturbation(raw, axis.perturbation, float(value), push)
    return validate_model(EnvConfig, raw, prefix="env")


def _identity(entry: dict[str, Any]) -> float:
    return 1.0 if entry["mode"] == "scale" else 0.0


def root_body(env: EnvConfig) -> str | None:
    """The name of the model's first body after the world (a robot's root), or None for a non-MuJoCo env."""
    task = make_task_env(env, check=False)
    try:
        model = getattr(task.unwrapped, "model", None)
        if not isinstance(model, mujoco.MjModel) or model.nbody < 2:
            return None
        return mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, 1) or None
    finally:
        task.close()
