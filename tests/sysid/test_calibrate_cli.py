"""``rlkit calibrate``: the four files it writes (the calibrated config trains the identified model,
randomized around it), and bad input as one line, exit status 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from rlkit.config.loading import load_config
from rlkit.envs import make_env
from rlkit.sysid.trajectory_log import load_log
from tests.cli.conftest import run_cli
from tests.sysid.test_identification import ARM, arm_env, excitation_log, perturbed_arm

CALIBRATION = {
    "parameters": [
        {"parameter": "body_mass", "names": "lower", "shared": True, "low": 0.5, "high": 2.0},
        {"parameter": "actuator_kp", "low": 0.5, "high": 1.5},
        {"parameter": "actuator_kd", "shared": True, "low": 0.3, "high": 3.0},
    ],
    "delays": [{"channels": "q.*", "max": 0.06}],
    "biases": [{"channels": "qpos:elbow"}],
    "width": 3.0,
    "min_width": 0.05,
}


@pytest.fixture
def arm_run(tmp_path: Path) -> tuple[Path, Path]:
    """The arm's run config (its randomization of the lower link's mass is replaced by calibration), and a
    log of the perturbed arm."""
    model = tmp_path / "arm.xml"
    model.write_text(ARM)
    config = {
        "env": {
            "id": "arm.xml",
            "task": {"frame_skip": 4, "qpos": True, "qvel": True},
            "randomization": {
                "parameters": [
                    {"parameter": "body_mass", "names": ".*", "low": 0.9, "high": 1.1},
                    {"parameter": "dof_damping", "low": 0.5, "high": 2.0},
                ]
            },
        },
        "agent": {"name": "ppo"},
        "calibrate": CALIBRATION,
    }
    path = tmp_path / "arm.yaml"
    path.write_text(yaml.safe_dump(config))
    log = excitation_log(perturbed_arm(model), seconds=3.0)
    log.save(tmp_path / "arm_log.npz")
    return path, tmp_path / "arm_log.npz"


def test_calibrate_writes_the_identified_values_a_report_and_a_config_to_train(
    arm_run: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, log = arm_run
    output = tmp_path / "calibration"
    status, out, err = run_cli(["calibrate", str(config), str(log), "--output", str(output)], capsys)
    assert status == 0, err
    assert "body_mass/lower = 1.3" in out and "delay/q.* = 0.02" in out
    assert sorted(p.name for p in output.iterdir()) == [
        "calibrated.yaml",
        "identified.json",
        "report.html",
        "report.png",
    ]
    found = {v["name"]: v for v in json.loads((output / "identified.json").read_text())["values"]}
    assert found["body_mass/lower"]["value"] == pytest.approx(1.3, rel=1e-3)
    assert found["actuator_kp/shoulder"]["value"] == pytest.approx(0.8, rel=1e-3)
    assert found["actuator_kp/elbow"]["value"] == pytest.approx(0.8, rel=1e-3)
    assert found["delay/q.*"]["steps"] == pytest.approx(1.0, abs=0.05)
    assert (output / "report.png").read_bytes()[:4] == b"\x89PNG"
    assert "body_mass/lower" in (output / "report.html").read_text()

    calibrated = load_config(output / "calibrated.yaml")
    assert calibrated.calibrate is None
    identified = {(p.parameter, p.names): p.value for p in calibrated.env.simulator.parameters}
    assert identified[("body_mass", "lower")] == pytest.approx(1.3, rel=1e-3)
    assert identified[("actuator_kp", "elbow")] == pytest.approx(0.8, rel=1e-3)
    ranges = {(p.parameter, p.names): (p.low, p.high) for p in calibrated.env.randomization.parameters}
    # the config's mass randomization overlapped the identified mass: replaced; its damping is kept
    assert ("body_mass", ".*") not in ranges and ranges[("dof_damping", ".*")] == (0.5, 2.0)
    assert ranges[("body_mass", "lower")] == pytest.approx((0.95, 1.05))  # intervals this narrow: min_width
    assert calibrated.env.sensors.latency is not None and calibrated.env.sensors.latency.max == 1
    assert calibrated.env.sensors.models[-1].channels == "qpos:elbow"
    # the model it builds is the identified one
    built = make_env(calibrated.env).unwrapped.model
    nominal = make_env(arm_env(tmp_path / "arm.xml")).unwrapped.model
    lower = built.body("lower").id
    assert built.body_mass[lower] == pytest.approx(1.3 * nominal.body_mass[lower], rel=1e-3)


def _refused(args: list[str], capsys: pytest.CaptureFixture[str], output: Path) -> str:
    status, out, err = run_cli(args, capsys)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert not output.exists()
    return err


def test_bad_input_is_one_line_and_writes_nothing(
    arm_run: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, log = arm_run
    output = tmp_path / "calibration"
    raw = yaml.safe_load(config.read_text())
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump({key: value for key, value in raw.items() if key != "calibrate"}))
    assert "has no 'calibrate' section" in _refused(
        ["calibrate", str(plain), str(log), "--output", str(output)], capsys, output
    )

    recorded = load_log(log)
    backwards = recorded.time.copy()
    backwards[40] = backwards[38]
    bad = tmp_path / "backwards.npz"
    np.savez(
        bad,
        time=backwards,
        controls=recorded.controls,
        control_names=np.array(recorded.control_names),
        channels=recorded.channels,
        channel_names=np.array(recorded.channel_names),
    )
    err = _refused(["calibrate", str(config), str(bad), "--output", str(output)], capsys, output)
    assert "time does not increase at row 40" in err

    err = _refused(
        ["calibrate", str(config), str(tmp_path / "missing.csv"), "--output", str(output)], capsys, output
    )
    assert "does not exist" in err

    wrong = dict(raw, calibrate={**CALIBRATION, "delays": [{"channels": "imu.*"}]})
    bad_config = tmp_path / "wrong.yaml"
    bad_config.write_text(yaml.safe_dump(wrong))
    err = _refused(["calibrate", str(bad_config), str(log), "--output", str(output)], capsys, output)
    assert "calibrate.delays: 'imu.*' matches no compared channel" in err
