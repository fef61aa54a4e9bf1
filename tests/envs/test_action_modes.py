"""Actions as joint position targets relative to a default pose (``env.task.action.mode: joint_offset``)."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.errors import RlkitError
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.vector_env import make_vector_env
from tests.rollout.helpers import assert_same

QUADRUPED = str(resources.files("rlkit.envs.tasks") / "assets" / "quadruped.xml")
OFFSET = {
    "keyframe": "home",
    "init_noise": 0.0,
    "frame_skip": 4,
    "action": {"mode": "joint_offset", "scale": 0.25},
}


def test_a_zero_action_targets_the_keyframes_joint_angles_and_holds_the_robot_up() -> None:
    env = MujocoEnv(QUADRUPED, task=OFFSET)
    env.reset(seed=0)
    home = env.model.key("home").qpos[7:]
    for _ in range(100):  # 2 s at 50 Hz
        env.step(np.zeros(12))
    np.testing.assert_array_equal(env.data.ctrl, home)
    assert env.data.qpos[2] > 0.2


def test_an_action_offsets_each_target_by_scale_times_it() -> None:
    env = MujocoEnv(QUADRUPED, task=OFFSET)
    env.reset(seed=0)
    action = np.linspace(-1.0, 1.0, 12)
    env.step(action)
    np.testing.assert_allclose(env.data.ctrl, env.model.key("home").qpos[7:] + 0.25 * action)


def test_the_action_space_is_the_joint_ranges_seen_through_the_offset_and_scale() -> None:
    env = MujocoEnv(QUADRUPED, task=OFFSET)
    model, home = env.model, env.model.key("home").qpos[7:]
    np.testing.assert_allclose(
        env.action_space.low, (model.actuator_ctrlrange[:, 0] - home) / 0.25, rtol=1e-6
    )
    np.testing.assert_allclose(
        env.action_space.high, (model.actuator_ctrlrange[:, 1] - home) / 0.25, rtol=1e-6
    )
    # the knee (-1.8 rad at home, range [-2.818, -0.888]): -4.072 .. 3.648
    assert env.action_space.low[2] == pytest.approx(-4.072, abs=1e-3)
    assert env.action_space.high[2] == pytest.approx(3.648, abs=1e-3)


def test_joint_offset_without_a_keyframe_or_on_a_tendon_is_one_line() -> None:
    with pytest.raises(RlkitError, match=r"joint_offset needs env\.task\.keyframe"):
        MujocoEnv(QUADRUPED, task={"action": {"mode": "joint_offset"}})
    xml = """<mujoco><worldbody><body><joint name="j" type="ball"/><geom size="0.1"/></body></worldbody>
      <actuator><motor name="spin" joint="j" gear="0 0 1"/></actuator>
      <keyframe><key name="k"/></keyframe></mujoco>"""
    with pytest.raises(RlkitError, match="'spin' does not"):
        MujocoEnv(xml, task={"keyframe": "k", "qpos": True, "action": {"mode": "joint_offset"}})


def test_batched_offsets_and_observation_terms_equal_sync_ones_to_the_bit() -> None:
    terms = [
        {"term": "projected_gravity", "body": "trunk"},
        {"term": "base_linear_velocity", "body": "trunk"},
        {"term": "base_angular_velocity", "body": "trunk"},
        {"term": "joint_positions"},
        {"term": "joint_velocities"},
    ]
    contact = [{"term": "body_contact", "bodies": "trunk|.*_thigh"}]  # random actions fold it: it ends
    rewards = [
        {"term": "base_height", "body": "trunk", "target": 0.3},
        {"term": "orientation", "body": "trunk"},
        {"term": "vertical_velocity", "body": "trunk"},
        {"term": "roll_pitch_rates", "body": "trunk"},
        {"term": "actuator_forces", "weight": 1e-4},
        {"term": "joint_limits"},
        {"term": "undesired_contacts", "bodies": ".*_calf"},
    ]
    task = {**OFFSET, "init_noise": 0.05, "observations": terms, "termination": contact, "reward": rewards}
    config = EnvConfig(id=QUADRUPED, task=task, max_episode_steps=15)
    sync = make_vector_env(config, 3)
    batched = make_vector_env(config, 3, RolloutConfig(backend="batched", threads=2))
    assert isinstance(batched, BatchedVectorEnv)
    assert batched.single_action_space == sync.single_action_space
    assert_same(sync.reset(seed=4), batched.reset(seed=4), "reset")
    rng = np.random.default_rng(1)
    terminations = 0
    for step in range(60):
        actions = rng.uniform(-4.0, 4.0, (3, 12)).astype(np.float32)
        expected = sync.step(actions)
        assert_same(expected, batched.step(actions), f"step {step}")
        terminations += int(expected[2].sum())
    assert terminations >= 2, terminations
