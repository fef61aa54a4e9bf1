"""The config ``rlkit calibrate`` writes: the run config, its model at the identified values and its
randomization centred on them, as wide as the identification is uncertain.

* ``env.simulator.parameters`` gets every identified parameter (an element's own when identified per
  element, the entry's selector when shared). An identified value for exactly the selector, parameter and
  mode the config already calibrates composes with it (identification ran on the calibrated model, so its
  values are relative to that).
* ``env.randomization.parameters``: each identified parameter is randomized around its identified value
  over ± ``calibrate.width`` × its confidence half-width (as a factor of the new nominal, at least
  ± ``calibrate.min_width``, or an offset);
  where the logs did not determine it (an infinite interval), over its whole search range. Entries the config
  already had for the same elements are replaced; the others are kept.
* The sensor delays become ``env.sensors.latency`` in whole control steps, covering every group's delay ±
  the width; identified biases become a ``bias_std`` of each group's sensor model as large as the largest
  bias identified plus the width, so that the policy meets offsets of that size.

The ``calibrate`` section and the ``logged_with`` overrides (how the logs were taken, e.g. hung from a stand)
are not part of it: it is the config to train with.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import numpy as np

from rlkit.config.calibration import CalibrateConfig
from rlkit.config.sim2real import ParameterRandomization
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.randomization.physics_parameters import entries_overlap
from rlkit.sysid.identification import Identification, IdentifiedValue


def identified_parameters(result: Identification, config: CalibrateConfig) -> list[dict[str, Any]]:
    """The identified parameters as ``env.simulator.parameters`` entries."""
    entries = []
    for value in result.of_kind("parameter"):
        entry = config.parameters[value.entry]
        item: dict[str, Any] = {
            "parameter": entry.parameter,
            "names": entry.names if value.element is None else re.escape(value.element),
            "mode": entry.mode,
            "value": value.value,
        }
        if entry.parameter == "geom_friction":
            item["friction"] = entry.friction
        entries.append(item)
    return entries


def _range(
    value: IdentifiedValue, entry: ParameterRandomization, width: float, min_width: float
) -> tuple[float, float]:
    """The randomization range around an identified value, as a factor of it or an offset from it."""
    if entry.mode == "scale":
        if not math.isfinite(value.interval) or value.value <= 0:
            return max(0.0, value.low / max(value.value, 1e-12)), value.high / max(value.value, 1e-12)
        half = max(width * value.interval / value.value, min_width)
        return max(0.0, 1.0 - half), 1.0 + half
    if not math.isfinite(value.interval):
        return value.low - value.value, value.high - value.value
    return -width * value.interval, width * value.interval


def _overlaps(model: Any, old: dict[str, Any], new: list[dict[str, Any]]) -> bool:
    """Whether a config's randomization entry writes what one of the new entries writes."""
    entry = ParameterRandomization.model_validate(old)
    return any(entries_overlap(model, entry, ParameterRandomization.model_validate(item)) for item in new)


def calibrated_config(
    raw: dict[str, Any], result: Identification, config: CalibrateConfig, env: MujocoEnv
) -> tuple[dict[str, Any], list[str]]:
    """The config to train with (see the module docstring), and one line per change it made.

    Args:
        raw: The run config as given (a mapping, ``calibrate`` section included).
        result: What identification found.
        config: The ``calibrate`` section.
        env: The env the config builds (no ``logged_with`` overrides), whose model names the elements.
    """
    out = copy.deepcopy(raw)
    out.pop("calibrate", None)
    env_section = out.setdefault("env", {})
    notes: list[str] = []

    simulator = env_section.get("simulator") or {}
    calibrated = list(simulator.get("parameters") or [])
    for item in identified_parameters(result, config):
        same = next(
            (
                old
                for old in calibrated
                if (old["parameter"], old.get("names", ".*"), old.get("mode", "scale"))
                == (item["parameter"], item["names"], item["mode"])
            ),
            None,
        )
        if same is None:
            calibrated.append(item)
            continue
        same["value"] = (
            same["value"] * item["value"] if item["mode"] == "scale" else same["value"] + item["value"]
        )
        notes.append(
            f"env.simulator.parameters: {item['parameter']} '{item['names']}' composed with the config's"
        )
    simulator["parameters"] = calibrated
    env_section["simulator"] = simulator

    randomization = env_section.setdefault("randomization", {}) or {}
    env_section["randomization"] = randomization
    entries = []
    for value in result.of_kind("parameter"):
        entry = config.parameters[value.entry]
        low, high = _range(value, entry, config.width, config.min_width)
        item = {
            "parameter": entry.parameter,
            "names": entry.names if value.element is None else re.escape(value.element),
            "mode": entry.mode,
            "low": low,
            "high": high,
            "shared": entry.shared if value.element is None else True,
        }
        if entry.parameter == "geom_friction":
            item["friction"] = entry.friction
        entries.append(item)
    kept = []
    for old in randomization.get("parameters") or []:
        if _overlaps(env.model, old, entries):
            notes.append(
                f"env.randomization.parameters: replaced {old['parameter']} '{old.get('names', '.*')}' by "
                "ranges around the identified values"
            )
        else:
            kept.append(old)
    randomization["parameters"] = kept + entries

    sensors = env_section.setdefault("sensors", {}) or {}
    env_section["sensors"] = sensors
    delays = result.of_kind("delay")
    if delays:
        period = result.control_period
        lows = [max(0.0, d.value - config.width * _finite(d.interval, d.high)) for d in delays]
        highs = [d.value + config.width * _finite(d.interval, d.high) for d in delays]
        sensors["latency"] = {
            "min": math.floor(min(lows) / period + 1e-6),
            "max": math.ceil(max(highs) / period - 1e-6),
        }
        notes.append(
            "env.sensors.latency: "
            + ", ".join(f"{d.name} {d.value:.4g} s = {d.value / period:.2f} steps" for d in delays)
        )
    biases = result.of_kind("bias")
    if biases:
        models = list(sensors.get("models") or [])
        for group in config.biases:
            pattern = re.compile(group.channels)
            members = [b for b in biases if pattern.fullmatch(b.name.removeprefix("bias/"))]
            if not members:
                continue
            size = max(abs(b.value) + config.width * _finite(b.interval, 0.0) for b in members)
            models.append({"channels": group.channels, "bias_std": float(size)})
        sensors["models"] = models
    return out, notes


def _finite(value: float, fallback: float) -> float:
    return value if np.isfinite(value) else fallback
