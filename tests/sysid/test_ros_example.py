"""examples/robot_logs/: the ROS CSV exports of its sample become a valid rlkit log, joint states interpolated
and commands held onto the control period, joints matched by name."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from rlkit.sysid.trajectory_log import load_log

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "robot_logs"


def converter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ros_to_rlkit_log", EXAMPLE / "ros_to_rlkit_log.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample(name: str) -> list[dict[str, str]]:
    with (EXAMPLE / "sample" / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_sample_converts_to_a_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "robot.csv"
    args = [str(EXAMPLE / "sample" / "joint_states.csv"), str(EXAMPLE / "sample" / "commands.csv")]
    assert converter().main([*args, "--period", "0.02", "--output", str(output)]) == 0
    assert f"wrote {output}" in capsys.readouterr().out
    log = load_log(output)
    assert log.control_names == ("shoulder", "elbow")
    assert log.channel_names == (
        "joint_positions:shoulder",
        "joint_positions:elbow",
        "joint_velocities:shoulder",
        "joint_velocities:elbow",
    )
    np.testing.assert_allclose(log.time, np.arange(log.rows) * 0.02, rtol=0, atol=1e-12)
    states, commands = sample("joint_states.csv"), sample("commands.csv")
    start = max(float(states[0]["time"]), float(commands[0]["time"]))
    assert log.rows == int((float(commands[-1]["time"]) - start) / 0.02) + 1
    # the command in force at each row: the last one sent at or before it (held, not interpolated)
    sent = np.array([float(row["time"]) for row in commands])
    for row in range(log.rows):
        latest = commands[int(np.searchsorted(sent, start + row * 0.02 + 1e-9, side="right")) - 1]
        assert log.controls[row].tolist() == [float(latest["shoulder"]), float(latest["elbow"])]
    # joint states interpolated in time, each joint found by name in every message (one lists them swapped)
    times = np.array([float(row["time"]) for row in states])
    shoulder = [
        float(row["position[0]"] if row["name[0]"] == "shoulder" else row["position[1]"]) for row in states
    ]
    assert any(row["name[0]"] == "elbow" for row in states)
    expected = np.interp(start + np.arange(log.rows) * 0.02, times, shoulder)
    np.testing.assert_allclose(log.channel("joint_positions:shoulder"), expected, rtol=0, atol=1e-9)


def test_positions_become_relative_to_the_default_pose_and_bad_input_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = converter()
    inputs = [str(EXAMPLE / "sample" / "joint_states.csv"), str(EXAMPLE / "sample" / "commands.csv")]
    keyframe = tmp_path / "arm.xml"
    keyframe.write_text(
        (EXAMPLE.parents[1] / "envs" / "tasks" / "assets" / "reacher.xml")
        .read_text()
        .replace("</mujoco>", '<keyframe><key name="home" qpos="0.25 -0.5"/></keyframe></mujoco>')
    )
    absolute, relative = tmp_path / "a.npz", tmp_path / "r.npz"
    assert module.main([*inputs, "--period", "0.02", "--output", str(absolute)]) == 0
    model = ["--model", str(keyframe), "--keyframe", "home"]
    assert module.main([*inputs, "--period", "0.02", "--output", str(relative), *model]) == 0
    offset = load_log(absolute).channels[:, :2] - load_log(relative).channels[:, :2]
    np.testing.assert_allclose(offset, np.tile([0.25, -0.5], (offset.shape[0], 1)), atol=1e-12)
    capsys.readouterr()
    assert module.main([*inputs, "--period", "0.02", "--output", str(tmp_path / "x.txt")]) == 2
    assert (
        module.main(
            [*inputs, "--period", "0.02", "--output", str(tmp_path / "y.npz"), *model[:2], "--keyframe", "x"]
        )
        == 2
    )
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("ros_to_rlkit_log: error: log file") and "suffix" in err[0]
    assert err[1] == f"ros_to_rlkit_log: error: model '{keyframe}' has no keyframe 'x'"
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "y.npz").exists()
