"""``rlkit excite``: the log it writes (every actuator driven within its range, each differently, for the
seconds asked), env.* overrides, an episode the robot ends early, and bad input as one line, exit status 2,
nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rlkit.config.schema import EnvConfig
from rlkit.envs import make_env
from rlkit.sysid.trajectory_log import load_log
from tests.cli.conftest import run_cli


def test_excite_writes_a_log_of_every_actuator_within_its_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "reacher.npz"
    # 3 s is 150 steps, past the env's own 100-step time limit, which excite raises
    status, out, err = run_cli(["excite", "reacher-ppo", "--output", str(output), "--seconds", "3"], capsys)
    assert status == 0, err
    assert out.splitlines() == [
        "rlkit/Reacher-v0: chirp 0.1-5 Hz at amplitude 0.5 on 2 actuators, 1 episode of 150 steps "
        "(0.02 s each)",
        f"wrote {output}",
    ]
    log = load_log(output)
    assert log.rows == 151 and log.control_names == ("shoulder", "elbow")
    np.testing.assert_allclose(log.time, np.arange(151) * 0.02, rtol=0, atol=1e-12)
    # the default amplitude sweeps half of each motor's range about its middle, never beyond
    assert np.abs(log.controls).max() <= 0.5 + 1e-6 and np.abs(log.controls).max(axis=0).min() > 0.45
    assert np.abs(log.controls[:, 0] - log.controls[:, 1]).max() > 0.2
    assert log.channel_names == tuple(make_env(EnvConfig(id="rlkit/Reacher-v0")).unwrapped.observation_names)


def test_excite_takes_env_overrides_and_writes_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "quadruped.csv"
    args = ["excite", "quadruped-joystick-ppo", "env.task.init_noise=0", "env.randomization.pushes=null"]
    args += [
        "env.actuators.noise_std=0",
        "--output",
        str(output),
        "--signal",
        "multisine",
        "--seconds",
        "0.4",
    ]
    status, out, err = run_cli([*args, "--episodes", "2", "--amplitude", "0.3", "--band", "1", "8"], capsys)
    assert status == 0, err
    assert "multisine 1-8 Hz at amplitude 0.3 on 12 actuators, 2 episodes of 20 steps" in out
    log = load_log(output)
    assert [s.stop - s.start for s in log.episode_slices()] == [21, 21] and log.base_pose is not None
    task = make_env(EnvConfig(id="rlkit/Quadruped-v0")).unwrapped
    low, high = task.model.actuator_ctrlrange.T
    assert np.all((log.controls >= low) & (log.controls <= high))
    # joint targets about the default pose (the keyframe), each actuator on its own frequencies
    default = task.model.key_qpos[0, 7:]
    np.testing.assert_allclose(log.controls[0], default, atol=1e-6)
    assert np.abs(np.corrcoef((log.controls[:21] - default).T) - np.eye(12)).max() < 0.999


def test_an_episode_the_robot_ends_is_a_warning_and_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "fell.npz"
    tilt = "env.task.termination=[{term: body_tilt, body: trunk, max: 0.5}]"
    args = [
        "excite",
        "quadruped-joystick-ppo",
        tilt,
        "--amplitude",
        "1",
        "--seconds",
        "2",
        "--output",
        str(output),
    ]
    status, _, err = run_cli(args, capsys)
    assert status == 0, err
    warning = re.fullmatch(
        r"rlkit excite: warning: episode 0 ended after (\d+) of 100 control steps \(the task terminated it: "
        r"the robot fell\?\); the log keeps its (\d+) rows\n",
        err,
    )
    assert warning is not None, err
    steps, rows = int(warning.group(1)), int(warning.group(2))
    assert 10 <= rows == steps + 1 < 100 and load_log(output).rows == rows


BAD_INPUT = {
    "amplitude 0": (["reacher-ppo", "--amplitude", "0"], r"amplitude 0 is outside \(0, 1\]"),
    "amplitude 1.5": (["reacher-ppo", "--amplitude", "1.5"], r"amplitude 1.5 is outside \(0, 1\]"),
    "band reversed": (["reacher-ppo", "--band", "5", "1"], "must satisfy 0 < F0 < F1"),
    "band past Nyquist": (
        ["reacher-ppo", "--band", "1", "30"],
        "must stay below 25 Hz, the Nyquist frequency",
    ),
    "too short": (["reacher-ppo", "--seconds", "0.1"], "a log needs at least 10 rows"),
    "negative seconds": (["reacher-ppo", "--seconds", "-1"], "--seconds: must be a positive number"),
    "suffix": (["reacher-ppo"], "the suffix must be .npz or .csv, got '.txt'"),
    "override outside env": (
        ["reacher-ppo", "agent.lr=1"],
        "rlkit excite takes env.KEY=VALUE overrides only",
    ),
    "unknown env key": (["reacher-ppo", "env.nonsense=1"], "env.nonsense"),
    "not a MuJoCo task": (["cartpole-ppo"], "'CartPole-v1' is CartPoleEnv, not an rlkit MuJoCo task"),
    "pixels": (["cartpole-balance-pixels-ppo"], r"observes pixels \(env.pixels\)"),
    "team of robots": (["team-push-mappo"], "'rlkit/TeamPush-v0' is a multi-agent game"),
    "discrete actions": (
        ["reacher-ppo", "env.discrete_actions=3"],
        "env.discrete_actions: excitation sweeps",
    ),
    "signal": (["reacher-ppo", "--signal", "square"], "--signal: invalid choice: 'square'"),
    "no output": (["reacher-ppo"], "the following arguments are required: --output"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    args, message = BAD_INPUT[case]
    output = tmp_path / ("log.txt" if case == "suffix" else "log.npz")
    flags = [] if case == "no output" else ["--output", str(output)]
    status, out, err = run_cli(["excite", *args, *flags], capsys)
    assert status == 2
    assert len(err.splitlines()) == 1 and err.startswith("rlkit excite: error:"), err
    assert re.search(message, err), err
    assert not any(tmp_path.iterdir()) and out == ""
