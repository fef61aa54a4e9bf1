"""``rlkit calibrate`` as a function: read the config and logs, identify, write the outputs.

Everything is computed and checked before anything is written (the calibrated config must load and build
its env), so a failure leaves the output directory as it was.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rlkit.config.calibration import CalibrateConfig
from rlkit.config.loading import apply_overrides, config_from_dict, read_resolved_source, validate_model
from rlkit.envs.factory import make_env
from rlkit.errors import ConfigError, RlkitError
from rlkit.files import atomic_write_bytes
from rlkit.sysid.calibrated_config import calibrated_config
from rlkit.sysid.identification import Identification, IdentifiedValue, identify
from rlkit.sysid.replay import replay_env
from rlkit.sysid.report import render_report_html, render_report_png
from rlkit.sysid.trajectory_log import concatenate_logs, load_log

#: The files ``rlkit calibrate`` writes into its output directory.
OUTPUTS = ("identified.json", "calibrated.yaml", "report.html", "report.png")


@dataclass
class CalibrationOutcome:
    """What a calibration found and wrote."""

    identification: Identification
    config: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def describe_value(value: IdentifiedValue) -> str:
    """One line for an identified value: name, value, interval, where it started."""
    interval = "undetermined" if not math.isfinite(value.interval) else f"± {value.interval:.4g}"
    return f"{value.name} = {value.value:.6g} {interval} (started at {value.initial:.4g})"


def load_calibrate_section(
    raw: dict[str, Any], calibration_file: Path | None, source: str
) -> CalibrateConfig:
    """The ``calibrate`` section: from ``calibration_file`` when given, else from the config.

    Raises:
        ConfigError: There is none, or it does not validate.
    """
    if calibration_file is not None:
        if not calibration_file.is_file():
            raise ConfigError(f"calibration file '{calibration_file}' does not exist")
        try:
            section = yaml.safe_load(calibration_file.read_text())
        except yaml.YAMLError:
            raise ConfigError(f"calibration file '{calibration_file}' is not valid YAML") from None
        return validate_model(CalibrateConfig, section or {}, prefix="calibrate")
    section = raw.get("calibrate")
    if section is None:
        raise ConfigError(
            f"config '{source}' has no 'calibrate' section: add one (parameters, delays, biases to identify) "
            "or "
            "give it with --calibration FILE"
        )
    return validate_model(CalibrateConfig, section, prefix="calibrate")


def calibrate(
    source: str,
    logs: Sequence[str],
    output: Path,
    calibration_file: Path | None = None,
    threads: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> CalibrationOutcome:
    """Identify the unknowns of ``source``'s calibrate section from ``logs`` and write :data:`OUTPUTS` into
    ``output``.

    Args:
        source: A preset name or YAML run config.
        logs: Log files (.npz or .csv), each validated; they must name the same controls and channels.
        output: The output directory (created).
        calibration_file: A YAML file of the calibrate section (else the config's own).
        threads: Threads that replay the candidates.
        progress: Called with a line per least-squares iteration.

    Raises:
        RlkitError: Bad config or logs, or logs that do not fit the model; nothing is written then.
    """
    raw, name = read_resolved_source(source)
    section = load_calibrate_section(raw, calibration_file, source)
    raw = {**raw, "calibrate": section.model_dump(mode="json")}
    config = config_from_dict(raw)
    replayed = config_from_dict(apply_overrides(raw, section.logged_with)).env
    loaded = [load_log(path) for path in logs]
    try:
        log = concatenate_logs(loaded)
    except RlkitError as exc:
        raise RlkitError(f"the logs {', '.join(logs)}: {exc}") from None
    result = identify(replayed, section, log, threads=threads, progress=progress)
    ready, notes = calibrated_config(raw, result, section, replay_env(config.env))
    _check_loads(ready)
    png = render_report_png(result)
    files: dict[str, bytes] = {
        "identified.json": json.dumps(_summary(result, logs, name), indent=2).encode(),
        "calibrated.yaml": (
            f"# {name} calibrated by rlkit calibrate from {', '.join(Path(p).name for p in logs)}\n"
            + yaml.safe_dump(ready, sort_keys=False)
        ).encode(),
        "report.html": render_report_html(result, png, [str(p) for p in logs], name).encode(),
        "report.png": png,
    }
    written = []
    for file_name in OUTPUTS:
        path = output / file_name
        atomic_write_bytes(path, files[file_name])
        written.append(path)
    return CalibrationOutcome(result, ready, notes, written)


def _check_loads(ready: dict[str, Any]) -> None:
    """The calibrated config must validate and build its env: else it is not written."""
    try:
        config = config_from_dict(ready)
        make_env(config.env, check=False).close()
    except RlkitError as exc:
        raise RlkitError(f"the calibrated config does not load ({exc}); nothing was written") from None


def _summary(result: Identification, logs: Sequence[str], name: str) -> dict[str, Any]:
    def number(value: float) -> float | None:
        return value if math.isfinite(value) else None

    return {
        "config": name,
        "logs": list(logs),
        "control_period": result.control_period,
        "channels": result.channels,
        "cost_before": result.cost_before,
        "cost_after": result.cost_after,
        "iterations": result.iterations,
        "seconds": result.seconds,
        "values": [
            {
                "name": v.name,
                "kind": v.kind,
                "value": v.value,
                "interval": number(v.interval),
                "initial": v.initial,
                "low": v.low,
                "high": v.high,
                **({"steps": v.value / result.control_period} if v.kind == "delay" else {}),
            }
            for v in result.values
        ],
        "channel_rms_before": dict(zip(result.channels, result.channel_rms_before, strict=True)),
        "channel_rms_after": dict(zip(result.channels, result.channel_rms_after, strict=True)),
    }
