"""Motors' torque-speed curves (``env.task.action.torque_speed``): the force range falls linearly with the
joint's speed from the full-torque speed to the top speed, every control step, on both backends alike."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlkit.envs  # noqa: F401  (registers rlkit/Quadruped-v0)
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs.tasks.quadruped import QUADRUPED_JOYSTICK_TASK
from rlkit.errors import RlkitError
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.vector_env import make_vector_env
from tests.rollout.helpers import assert_same

KNEES = {"actuators": ".._calf", "full_torque_speed": 10.0, "max_speed": 20.0}


def quadruped_task(*curves: dict) -> dict:
    task = QUADRUPED_JOYSTICK_TASK.model_dump()
    task["action"]["torque_speed"] = list(curves)
    return task


def test_the_limit_is_full_up_to_the_knee_speed_and_falls_to_none_at_the_top_speed() -> None:
    env = gym.make("rlkit/Quadruped-v0", task=quadruped_task(KNEES)).unwrapped
    env.reset(seed=0)
    limits = env.torque_speed
    assert limits is not None
    knee = env.model.actuator("FR_calf").id
    hip = env.model.actuator("FR_hip").id
    dof = env.model.jnt_dofadr[env.model.joint("FR_calf_joint").id]
    for speed, share in [(0.0, 1.0), (-10.0, 1.0), (15.0, 0.5), (-17.5, 0.25), (20.0, 0.0), (40.0, 0.0)]:
        env.data.qvel[dof] = speed
        ranges = limits(env.sim_arrays)[0]
        np.testing.assert_allclose(ranges[knee], np.array([-35.55, 35.55]) * share)
        np.testing.assert_array_equal(ranges[hip], [-23.7, 23.7])  # in no curve: its own range


def test_every_step_writes_the_limits_at_the_speeds_it_starts_from() -> None:
    env = gym.make("rlkit/Quadruped-v0", task=quadruped_task(KNEES)).unwrapped
    env.reset(seed=0)
    dof = env.model.jnt_dofadr[env.model.joint("FR_calf_joint").id]
    env.data.qvel[dof] = 17.5
    env.step(np.zeros(12))
    assert env.model.actuator_forcerange[env.model.actuator("FR_calf").id, 1] == pytest.approx(35.55 * 0.25)


def test_bad_curves_are_one_line_errors() -> None:
    with pytest.raises(RlkitError, match=r"torque_speed\[1\]\.actuators: actuator 'FR_calf' is in two"):
        gym.make("rlkit/Quadruped-v0", task=quadruped_task(KNEES, {**KNEES, "actuators": "FR_.*"}))
    with pytest.raises(RlkitError, match="'toe' matches no actuator"):
        gym.make("rlkit/Quadruped-v0", task=quadruped_task({**KNEES, "actuators": "toe"}))
    with pytest.raises(RlkitError, match=r"full_torque_speed 20\.0 must be below max_speed 20\.0"):
        gym.make("rlkit/Quadruped-v0", task=quadruped_task({**KNEES, "full_torque_speed": 20.0}))


def test_batched_torque_speed_limits_equal_sync_ones_to_the_bit() -> None:
    config = EnvConfig(id="rlkit/Quadruped-v0", task=quadruped_task(KNEES), max_episode_steps=10)
    sync = make_vector_env(config, 2)
    batched = make_vector_env(config, 2, RolloutConfig(backend="batched", threads=2))
    assert isinstance(batched, BatchedVectorEnv)
    assert_same(sync.reset(seed=1), batched.reset(seed=1), "reset")
    rng = np.random.default_rng(0)
    for step in range(25):
        actions = rng.uniform(-3.0, 3.0, (2, 12)).astype(np.float32)
        assert_same(sync.step(actions), batched.step(actions), f"step {step}")
    speeds = np.abs(batched.sims.qvel[:, 6:])
    assert speeds.max() > 10.0  # the curves were reached
