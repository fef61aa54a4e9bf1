"""The recorder: what a row holds (the measurement, then the control MuJoCo applied until the next row),
proved by replaying the logged controls open-loop on the model; where in the wrapper stack it reads; the
seeds; and the envs it refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mujoco
import numpy as np
import pytest

from rlkit.config.loading import load_config
from rlkit.config.schema import EnvConfig
from rlkit.envs import make_env
from rlkit.envs.factory import make_task_env
from rlkit.errors import RlkitError
from rlkit.sysid import recorder
from rlkit.sysid.excitation import ExcitationPolicy
from rlkit.sysid.recorder import record_episodes
from rlkit.sysid.trajectory_log import TrajectoryLog, load_log
from tests.envs.test_pd_torque import MOTOR_XML, PD
from tests.envs.test_pd_torque import TASK as PD_TASK

ACTUATORS = {"rlkit/Reacher-v0": 2, "rlkit/Quadruped-v0": 12}


def env_config(env_id: str, **env: Any) -> EnvConfig:
    """The ``env`` section of a run on ``env_id`` with ``env`` set."""
    return load_config({"env": {"id": env_id, **env}, "agent": {"name": "ppo"}}).env


def open_loop(env_id: str, steps: int, seed: int = 1) -> tuple[ExcitationPolicy, np.ndarray]:
    """A policy playing random actions that ignore what it observes, and their table."""
    table = np.random.default_rng(seed).uniform(-0.5, 0.5, (steps, ACTUATORS[env_id]))
    return ExcitationPolicy([table]), table


def columns(log: TrajectoryLog, prefix: str) -> list[int]:
    return [i for i, name in enumerate(log.channel_names) if name.startswith(prefix)]


def assert_replays(config: EnvConfig, log: TrajectoryLog) -> None:
    """From the first row's state, stepping the bare model frame_skip times per row with each row's controls
    gives the next row's joints (and base pose) to 1e-9."""
    task = make_task_env(config).unwrapped
    model, data = task.model, mujoco.MjData(task.model)
    qpos, qvel = columns(log, "qpos:"), columns(log, "qvel:")
    assert (len(qpos), len(qvel)) == (model.nq, model.nv)
    data.qpos[:], data.qvel[:] = log.channels[0, qpos], log.channels[0, qvel]
    mujoco.mj_forward(model, data)
    for row in range(log.rows - 1):
        data.ctrl[:] = log.controls[row]
        for _ in range(task.frame_skip):
            mujoco.mj_step(model, data)
        np.testing.assert_allclose(data.qpos, log.channels[row + 1, qpos], rtol=0, atol=1e-9)
        np.testing.assert_allclose(data.qvel, log.channels[row + 1, qvel], rtol=0, atol=1e-9)
        if log.base_pose is not None:  # the root free joint, measured at the same time
            np.testing.assert_allclose(data.qpos[:7], log.base_pose[row + 1], rtol=0, atol=1e-9)


@pytest.mark.parametrize("env_id", ["rlkit/Reacher-v0", "rlkit/Quadruped-v0"])
@pytest.mark.parametrize("suffix", [".csv", ".npz"])
def test_logged_controls_replayed_open_loop_reproduce_the_joints(
    tmp_path: Path, env_id: str, suffix: str
) -> None:
    """The controls are the ones applied, after action noise and latency, and act from their row's time to
    the next."""
    config = env_config(
        env_id,
        task={"qpos": True, "qvel": True},
        actuators={"noise_std": 0.1, "latency": {"min": 1, "max": 1}},
    )
    policy, table = open_loop(env_id, 40)
    log = load_log(record_episodes(config, policy, 1, seed=3, max_steps=40).save(tmp_path / f"log{suffix}"))
    assert log.rows == 41 and (log.base_pose is not None) == (env_id == "rlkit/Quadruped-v0")
    assert_replays(config, log)
    # the noise made the controls differ from the policy's actions (one step late)
    assert np.abs(log.controls[1:41] - table[:40]).max() > 0.01


def test_pd_torque_logs_the_joint_targets_its_servos_hold_over_a_step(tmp_path: Path) -> None:
    """pd_torque's PD law runs inside MuJoCo on a constant target: the target is the control logged, and the
    task's model (motors turned into servos) replays it."""
    (tmp_path / "robot.xml").write_text(MOTOR_XML)
    config = env_config(str(tmp_path / "robot.xml"), task={**PD_TASK, "action": PD})
    policy, table = open_loop("rlkit/Quadruped-v0", 20)
    log = record_episodes(config, policy, 1, seed=0, max_steps=20)
    default = make_task_env(config).unwrapped.model.key_qpos[0, 7:]
    np.testing.assert_allclose(log.controls[:20], default + 0.25 * table.astype(np.float32), atol=1e-6)
    assert_replays(config, log)


def test_a_row_holds_the_measurement_then_the_control_sent() -> None:
    """In direct mode with no actuator models the control of row t is action t; the episode's last row (its
    final measurement) holds the control before; rows are one control period apart."""
    policy, table = open_loop("rlkit/Reacher-v0", 12)
    log = record_episodes(env_config("rlkit/Reacher-v0"), policy, 1, seed=0, max_steps=12)
    np.testing.assert_array_equal(log.controls[:12], table)
    np.testing.assert_array_equal(log.controls[12], log.controls[11])
    np.testing.assert_allclose(log.time, np.arange(13) * 0.02, rtol=0, atol=1e-15)
    assert log.control_names == ("shoulder", "elbow") and log.base_pose is None

    delayed = env_config("rlkit/Reacher-v0", actuators={"latency": {"min": 2, "max": 2}})
    policy, _ = open_loop("rlkit/Reacher-v0", 12)
    late = record_episodes(delayed, policy, 1, seed=0, max_steps=12)
    np.testing.assert_array_equal(late.controls[:2], 0.0)  # the neutral action until the first arrives
    # the actuator models hand the action on in the action space's float32
    np.testing.assert_array_equal(late.controls[2:12], table[:10].astype(np.float32))


def test_with_an_action_repeat_a_row_spans_the_repeated_steps() -> None:
    config = env_config("rlkit/Reacher-v0", task={"qpos": True, "qvel": True}, actuators={"repeat": 3})
    policy, table = open_loop("rlkit/Reacher-v0", 8)
    log = record_episodes(config, policy, 1, seed=0, max_steps=8)
    np.testing.assert_allclose(log.time, np.arange(9) * 0.06, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(log.controls[:8], table)
    task = make_task_env(config).unwrapped
    data = mujoco.MjData(task.model)
    qpos, qvel = columns(log, "qpos:"), columns(log, "qvel:")
    data.qpos[:], data.qvel[:] = log.channels[0, qpos], log.channels[0, qvel]
    for row in range(8):  # each row's control held over 3 env steps of frame_skip physics steps
        data.ctrl[:] = log.controls[row]
        mujoco.mj_step(task.model, data, nstep=3 * task.frame_skip)
    np.testing.assert_allclose(data.qpos, log.channels[8, qpos], rtol=0, atol=1e-9)


def test_observation_latency_shows_in_the_channels_as_a_shift() -> None:
    plain_config = env_config("rlkit/Quadruped-v0", task={"init_noise": 0.0})
    late_config = env_config(
        "rlkit/Quadruped-v0", task={"init_noise": 0.0}, sensors={"latency": {"min": 3, "max": 3}}
    )
    plain = record_episodes(plain_config, open_loop("rlkit/Quadruped-v0", 20)[0], 1, seed=0, max_steps=20)
    late = record_episodes(late_config, open_loop("rlkit/Quadruped-v0", 20)[0], 1, seed=0, max_steps=20)
    assert late.channel_names == plain.channel_names
    shifted = plain.channels[np.maximum(np.arange(21) - 3, 0)]
    np.testing.assert_array_equal(late.channels, shifted)
    assert np.abs(late.channels - plain.channels).max() > 1e-3
    # the robot moved as before: the same controls, and the base pose is the true one, not delayed
    np.testing.assert_array_equal(late.controls, plain.controls)
    assert late.base_pose is not None and plain.base_pose is not None
    np.testing.assert_array_equal(late.base_pose, plain.base_pose)


def test_the_channels_are_read_after_the_sensor_models_and_before_the_history() -> None:
    """Sensor noise is in the log; the observation history the policy sees is not."""
    config = env_config(
        "rlkit/Reacher-v0", sensors={"history": 3, "models": [{"channels": ".*", "noise_std": 0.05}]}
    )
    seen: list[np.ndarray] = []
    table = open_loop("rlkit/Reacher-v0", 10)[1]

    def policy(obs: np.ndarray, starts: np.ndarray) -> np.ndarray:
        seen.append(obs[0].copy())
        return table[len(seen) - 1][None]

    log = record_episodes(config, policy, 1, seed=0, max_steps=10)
    assert seen[0].shape == (27,) and log.channels.shape == (11, 9)
    newest = np.array([obs[-9:] for obs in seen])  # the history is the last readings, oldest first
    np.testing.assert_array_equal(log.channels[:10], newest)
    clean = record_episodes(env_config("rlkit/Reacher-v0"), open_loop("rlkit/Reacher-v0", 10)[0], 1, 0, 10)
    assert 0 < np.abs(log.channels - clean.channels).max() < 0.5


def test_episodes_reset_with_evals_seeds_and_end_where_the_env_ends_them() -> None:
    config = env_config("rlkit/Reacher-v0", max_episode_steps=15)
    policy = ExcitationPolicy([np.zeros((15, 2))] * 3)
    log = record_episodes(config, policy, 3, seed=7)
    slices = log.episode_slices()
    assert [s.stop - s.start for s in slices] == [16, 16, 16]
    assert log.episodes.tolist() == [0] * 16 + [1] * 16 + [2] * 16
    env = make_env(config)
    for episode, rows in enumerate(slices):
        first, _ = env.reset(seed=7 + episode)
        np.testing.assert_array_equal(log.channels[rows.start], first)


REFUSED = {
    "pixels": (EnvConfig(id="rlkit/CartPoleBalance-v0", pixels={}), "observes pixels"),
    "not an rlkit task": (EnvConfig(id="CartPole-v1"), "CartPoleEnv, not an rlkit MuJoCo task"),
    "team of robots": (EnvConfig(id="rlkit/TeamPush-v0"), "is a multi-agent game"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_envs_that_are_not_one_robots_log_are_refused(case: str) -> None:
    config, message = REFUSED[case]
    with pytest.raises(RlkitError, match=message) as caught:
        record_episodes(config, ExcitationPolicy([np.zeros((5, 1))]), 1, 0)
    assert "\n" not in str(caught.value) and config.id in str(caught.value)


def test_an_action_mode_that_changes_the_controls_within_a_step_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every mode rlkit has sets data.ctrl once per step: stand in for a future one that would not
    monkeypatch.setattr(recorder, "CONSTANT_CONTROL_MODES", ("joint_offset", "pd_torque"))
    with pytest.raises(RlkitError, match=r"action mode 'direct', which changes data\.ctrl within a control"):
        record_episodes(env_config("rlkit/Reacher-v0"), ExcitationPolicy([np.zeros((5, 2))]), 1, 0)
