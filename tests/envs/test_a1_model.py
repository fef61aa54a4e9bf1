"""The A1-sized quadruped (envs/tasks/assets/a1.xml) is the robot Unitree's published parameters describe, it
stands on its home keyframe, and its YAML-only task (examples/legged_robot/a1-joystick-ppo.yaml) builds."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import mujoco
import numpy as np
import pytest

from rlkit.config.loading import load_config
from rlkit.envs import make_env

LEGS = ("FR", "FL", "RR", "RL")
REPOSITORY = Path(__file__).resolve().parents[2]
CONFIG = REPOSITORY / "examples" / "legged_robot" / "a1-joystick-ppo.yaml"
# published joint ranges (rad) and torque limit (N·m) of the A1
ABDUCTION, HIP, KNEE, TORQUE = (-0.80, 0.80), (-1.05, 4.19), (-2.70, -0.92), 33.5


@pytest.fixture(scope="module")
def model() -> mujoco.MjModel:
    path = resources.files("rlkit.envs.tasks") / "assets" / "a1.xml"
    return mujoco.MjModel.from_xml_path(str(path))


def test_it_compiles_with_twelve_position_actuators_at_200_hz(model: mujoco.MjModel) -> None:
    assert model.nu == 12
    assert model.njnt == 13  # the free root and twelve hinges
    assert model.jnt_type[model.joint("root").id] == mujoco.mjtJoint.mjJNT_FREE
    assert model.opt.timestep == pytest.approx(0.005)
    assert model.opt.integrator == mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    for leg in LEGS:
        assert model.body(f"{leg}_calf").pos == pytest.approx([0, 0, -0.2])  # thigh length
        assert model.body(f"{leg}_foot").pos == pytest.approx([0, 0, -0.2])  # calf length
        assert model.geom(f"{leg}_foot").size[0] == pytest.approx(0.02)


def test_its_total_mass_is_the_published_12_kg(model: mujoco.MjModel) -> None:
    assert model.body_subtreemass[model.body("trunk").id] == pytest.approx(12.0, rel=0.10)
    assert model.body("trunk").mass[0] == pytest.approx(4.7, abs=0.05)


def test_its_joint_ranges_and_torque_limits_are_the_published_ones(model: mujoco.MjModel) -> None:
    for leg in LEGS:
        for part, published in (("hip", ABDUCTION), ("thigh", HIP), ("calf", KNEE)):
            joint = model.joint(f"{leg}_{part}_joint")
            actuator = model.actuator(f"{leg}_{part}")
            assert model.jnt_range[joint.id] == pytest.approx(published, abs=0.01)
            assert actuator.ctrlrange == pytest.approx(model.jnt_range[joint.id])
            assert actuator.forcerange == pytest.approx([-TORQUE, TORQUE])
            assert actuator.trnid[0] == joint.id


def test_its_home_keyframe_puts_every_foot_under_its_hip_on_the_ground(model: mujoco.MjModel) -> None:
    data = mujoco.MjData(model)
    mujoco.mj_resetDataKeyframe(model, data, model.key("home").id)
    mujoco.mj_forward(model, data)
    for leg in LEGS:
        foot, hip = data.site(f"{leg}_foot").xpos, data.body(f"{leg}_thigh").xpos
        assert foot[0] == pytest.approx(hip[0], abs=1e-3)
        assert 0.02 <= foot[2] <= 0.025  # the sphere's radius above the floor: touching, not sunk
    np.testing.assert_array_equal(model.key("home").ctrl, model.key("home").qpos[7:])


def test_it_stands_and_settles_on_its_home_pose_under_its_position_actuators(model: mujoco.MjModel) -> None:
    data = mujoco.MjData(model)
    mujoco.mj_resetDataKeyframe(model, data, model.key("home").id)
    mujoco.mj_forward(model, data)
    feet = [data.site(f"{leg}_foot").xpos[2] for leg in LEGS]
    assert min(feet) >= 0.019 and max(feet) <= 0.025  # it starts with its feet on the floor
    heights = []
    for _ in range(400):  # 2 s holding the home targets
        mujoco.mj_step(model, data)
        heights.append(data.qpos[2])
    heights = np.array(heights)
    steady = heights[-100:].mean()
    assert steady > 0.2
    assert np.abs(heights[200:] - steady).max() < 0.02  # settled, neither falling nor still sinking
    assert heights.min() > 0.2
    assert max(data.site(f"{leg}_foot").xpos[2] for leg in LEGS) < 0.03
    up = np.zeros(9)
    mujoco.mju_quat2Mat(up, data.qpos[3:7])
    assert up[8] > 0.98  # the trunk's z axis within 11 degrees of vertical
    touch = np.array([data.sensor(f"{leg}_foot_touch").data[0] for leg in LEGS])
    assert (touch > 5.0).all()  # every foot carries weight
    weight = model.body_subtreemass[model.body("trunk").id] * 9.81
    assert touch.sum() == pytest.approx(weight, rel=0.05)


def test_its_yaml_task_builds_a_48_by_12_env_that_steps_without_terminating() -> None:
    config = load_config(CONFIG)
    assert Path(config.env.id).resolve() == REPOSITORY / "envs" / "tasks" / "assets" / "a1.xml"
    assert config.env.max_episode_steps == 1000
    env = make_env(config.env)
    try:
        assert env.observation_space.shape == (48,)
        assert env.action_space.shape == (12,)
        observation, _ = env.reset(seed=0)
        assert observation.shape == (48,)
        for _ in range(50):
            observation, reward, terminated, truncated, _ = env.step(np.zeros(12, dtype=np.float32))
            assert not terminated and not truncated
            assert np.isfinite(observation).all() and np.isfinite(reward)
    finally:
        env.close()
