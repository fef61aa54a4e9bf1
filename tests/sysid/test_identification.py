"""Identification: the replay reproduces a log exactly, and least squares finds known perturbations of a
model (masses, PD gains, a sensor delay, a sensor bias) from logs of the perturbed copy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rlkit.config.calibration import CalibrateConfig
from rlkit.config.schema import EnvConfig
from rlkit.config.sim2real import ParameterRandomization
from rlkit.errors import RlkitError
from rlkit.sysid.excitation import ExcitationSettings, excite
from rlkit.sysid.identification import _segments, identify
from rlkit.sysid.replay import LogReplay, replay_env, simulated_channels
from rlkit.sysid.trajectory_log import TrajectoryLog

#: A two-joint arm on position servos, its base fixed: identifies in seconds.
ARM = """<mujoco model="arm">
  <compiler angle="radian"/>
  <option timestep="0.005"/>
  <worldbody>
    <body name="upper" pos="0 0 0.5">
      <joint name="shoulder" axis="0 1 0" range="-2 2"/>
      <geom type="capsule" fromto="0 0 0 0.3 0 0" size="0.03" mass="1.0"/>
      <body name="lower" pos="0.3 0 0">
        <joint name="elbow" axis="0 1 0" range="-2 2" armature="0.01"/>
        <geom type="capsule" fromto="0 0 0 0.25 0 0" size="0.025" mass="0.6"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <position name="shoulder" joint="shoulder" kp="30" kv="1" ctrlrange="-1.5 1.5"/>
    <position name="elbow" joint="elbow" kp="20" kv="0.5" ctrlrange="-1.5 1.5"/>
  </actuator>
</mujoco>
"""
TRUTH = {"body_mass/lower": 1.3, "actuator_kp/.*": 0.8, "actuator_kd/.*": 1.5}
UNKNOWNS = [
    {"parameter": "body_mass", "names": "lower", "shared": True, "low": 0.5, "high": 2.0},
    {"parameter": "actuator_kp", "shared": True, "low": 0.5, "high": 1.5},
    {"parameter": "actuator_kd", "shared": True, "low": 0.3, "high": 3.0},
]


@pytest.fixture(scope="module")
def arm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("arm") / "arm.xml"
    path.write_text(ARM)
    return path


def arm_env(arm: Path, **env: object) -> EnvConfig:
    task = {"frame_skip": 4, "qpos": True, "qvel": True}
    return EnvConfig.model_validate({"id": str(arm), "task": task, **env})


def perturbed_arm(arm: Path, latency: int = 1, **env: object) -> EnvConfig:
    """The "real" robot: the arm with the true values, and a sensor delay of ``latency`` control steps."""
    truth = [
        {"parameter": "body_mass", "names": "lower", "value": 1.3},
        {"parameter": "actuator_kp", "value": 0.8},
        {"parameter": "actuator_kd", "value": 1.5},
    ]
    return arm_env(
        arm, simulator={"parameters": truth}, sensors={"latency": {"min": latency, "max": latency}}, **env
    )


def excitation_log(config: EnvConfig, seconds: float = 4.0, seed: int = 0) -> TrajectoryLog:
    settings = ExcitationSettings(seconds=seconds, amplitude=0.6, band=(0.2, 3.0), seed=seed)
    return excite(config, settings).log


def test_the_replay_of_a_log_on_the_true_model_reproduces_it_exactly(arm: Path) -> None:
    log = excitation_log(perturbed_arm(arm, latency=0), seconds=2.0)
    channels = simulated_channels(replay_env(arm_env(arm)))
    parameters = [ParameterRandomization.model_validate(u) for u in UNKNOWNS]
    replay = LogReplay(arm_env(arm), parameters, log, channels, candidates=2, threads=1)
    truth = np.array(
        [TRUTH["body_mass/lower"], *[TRUTH["actuator_kp/.*"]] * 2, *[TRUTH["actuator_kd/.*"]] * 2]
    )
    replay.set_parameters(np.stack([truth, replay.identity]))
    simulated = replay.simulate(log, log.episode_slices()[0])
    measured = log.channels[:, [log.channel_names.index(name) for name in channels]]
    np.testing.assert_allclose(simulated[0], measured, atol=1e-9)  # the true model, to the bit almost
    assert np.abs(simulated[1] - measured).max() > 0.05  # the model as written does not


def test_identification_recovers_masses_gains_a_delay_and_a_bias(arm: Path) -> None:
    log = excitation_log(perturbed_arm(arm))
    elbow = log.channel_names.index("qpos:elbow")
    channels = log.channels.copy()
    channels[:, elbow] += 0.05  # the elbow's encoder reads 0.05 rad high
    biased = TrajectoryLog(
        log.time, log.controls, log.control_names, channels, log.channel_names, log.episodes
    )
    config = CalibrateConfig.model_validate(
        {
            "parameters": UNKNOWNS,
            "delays": [{"channels": "q.*", "max": 0.06}],
            "biases": [{"channels": "qpos:.*"}],
        }
    )
    result = identify(arm_env(arm), config, biased, threads=1)
    found = {value.name: value for value in result.values}
    for name, truth in TRUTH.items():
        assert found[name].value == pytest.approx(truth, rel=0.01), name
        assert found[name].interval < 0.05
    assert found["delay/q.*"].value == pytest.approx(0.02, abs=0.002)  # one 20 ms control step
    assert found["bias/qpos:elbow"].value == pytest.approx(0.05, abs=0.005)
    assert found["bias/qpos:shoulder"].value == pytest.approx(0.0, abs=0.005)
    assert result.cost_after < 1e-3 * result.cost_before
    assert all(
        after < before
        for before, after in zip(result.channel_rms_before, result.channel_rms_after, strict=True)
    )


def test_a_log_that_does_not_fit_the_model_is_refused_in_one_line(arm: Path) -> None:
    log = excitation_log(arm_env(arm), seconds=1.0)
    renamed = TrajectoryLog(log.time, log.controls, ("shoulder", "wrist"), log.channels, log.channel_names)
    config = CalibrateConfig.model_validate({"parameters": UNKNOWNS[:1]})
    with pytest.raises(RlkitError, match="unknown wrist; missing elbow"):
        identify(arm_env(arm), config, renamed, threads=1)
    slower = TrajectoryLog(2 * log.time, log.controls, log.control_names, log.channels, log.channel_names)
    with pytest.raises(RlkitError, match=r"0\.04 s apart but the env.s control period is 0\.02 s"):
        identify(arm_env(arm), config, slower, threads=1)
    still = TrajectoryLog(
        log.time, np.zeros_like(log.controls), log.control_names, log.channels, log.channel_names
    )
    with pytest.raises(RlkitError, match="controls never change: nothing excited the robot"):
        identify(arm_env(arm), config, still, threads=1)
    with pytest.raises(RlkitError, match=r"calibrate\.delays: .imu\.\*. matches no compared channel"):
        identify(
            arm_env(arm), CalibrateConfig.model_validate({"delays": [{"channels": "imu.*"}]}), log, threads=1
        )


def test_segments_restart_the_replay_from_logged_states(arm: Path) -> None:
    log = excitation_log(arm_env(arm), seconds=2.0)  # 101 rows of 20 ms
    pieces = _segments(log, 0.5)
    assert [(p.start, p.stop) for p in pieces] == [(0, 25), (25, 50), (50, 75), (75, 101)]
    assert _segments(log, None) == log.episode_slices()


def test_a_floating_base_replays_from_its_logged_pose_and_motion(monkeypatch: pytest.MonkeyPatch) -> None:
    """A quadruped on the ground, standing as its joints are excited, replayed from logged states in the
    middle of the log: the base's velocity, estimated from the logged poses, keeps the replay near the log
    (contacts make a replay drift: segments restart it)."""
    config = EnvConfig.model_validate({"id": "rlkit/Quadruped-v0", "task": {"init_noise": 0.0}})
    settings = ExcitationSettings(seconds=2.0, amplitude=0.3, band=(0.5, 2.0))
    log = excite(config, settings).log
    channels = [name for name in simulated_channels(replay_env(config)) if name.startswith("joint_positions")]
    replay = LogReplay(config, [], log, channels, candidates=1, threads=1)
    measured = log.channels[:, [log.channel_names.index(name) for name in channels]]

    def worst_miss() -> float:
        misses = [
            np.abs(replay.simulate(log, slice(s, s + 10))[0] - measured[s : s + 10]).max()
            for s in (30, 50, 70)
        ]
        return float(max(misses))

    estimated = worst_miss()
    monkeypatch.setattr(LogReplay, "_base_velocity", staticmethod(lambda *args: None))
    at_rest = worst_miss()
    assert estimated < 0.15
    assert estimated < 0.5 * at_rest  # starting the base at rest misses by far more


def swingup(mass: float = 1.0, gain: float = 1.0) -> EnvConfig:
    """The swing-up cart-pole (its encoders logged) with its pole's mass and its motor's gain scaled."""
    physics = [
        {"parameter": "body_mass", "names": "pole", "value": mass},
        {"parameter": "actuator_gain", "value": gain},
    ]
    return EnvConfig.model_validate(
        {"id": "rlkit/CartPoleSwingup-v0", "task": {"qpos": True}, "simulator": {"parameters": physics}}
    )


def test_a_continuation_from_short_segments_finds_what_long_ones_alone_miss() -> None:
    # A swinging pole's 2 s replay diverges: from the model as written, least squares on 2 s segments stops
    # in a local minimum (pole x2.2, motor x0.93 for the truth's x1.5 and x0.7); fitted on 0.5 s segments
    # first, it starts the 2 s fit next to the truth.
    log = excite(swingup(1.5, 0.7), ExcitationSettings(seconds=10.0, amplitude=0.8, seed=0)).log
    config = CalibrateConfig.model_validate(
        {
            "parameters": [
                {"parameter": "body_mass", "names": "pole", "shared": True, "low": 0.2, "high": 5.0},
                {"parameter": "actuator_gain", "shared": True, "low": 0.1, "high": 3.0},
            ],
            "segment_seconds": 2.0,
            "continuation_seconds": [0.5],
        }
    )
    lines: list[str] = []
    result = identify(swingup(), config, log, threads=1, progress=lines.append)
    found = {value.name: value.value for value in result.values}
    assert found["body_mass/pole"] == pytest.approx(1.5, rel=1e-3)
    assert found["actuator_gain/.*"] == pytest.approx(0.7, rel=1e-3)
    stages = [line for line in lines if line.startswith("continuation")]
    assert stages == ["continuation: segments of 0.5 s", "continuation: segments of 2 s"]


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ([1.0, 0.5], "positive and increasing"),
        ([0.5, 2.0], "shorter than segment_seconds"),
        ([0.0], "positive"),
    ],
)
def test_a_continuation_must_lead_up_to_the_segments(stages: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CalibrateConfig.model_validate({"segment_seconds": 2.0, "continuation_seconds": stages})
