"""The shipped quadruped (envs/tasks/assets/quadruped.xml) is the robot its published parameters describe,
and it stands on its home keyframe."""

from __future__ import annotations

from importlib import resources

import mujoco
import numpy as np
import pytest

LEGS = ("FR", "FL", "RR", "RL")


@pytest.fixture(scope="module")
def model() -> mujoco.MjModel:
    path = resources.files("rlkit.envs.tasks") / "assets" / "quadruped.xml"
    return mujoco.MjModel.from_xml_path(str(path))


def test_it_has_the_published_masses_lengths_ranges_and_torque_limits(model: mujoco.MjModel) -> None:
    assert model.body_subtreemass[model.body("trunk").id] == pytest.approx(12.744, abs=1e-3)
    assert model.body("trunk").mass[0] == pytest.approx(5.204)
    for leg in LEGS:
        assert model.body(f"{leg}_calf").pos == pytest.approx([0, 0, -0.213])
        assert model.site(f"{leg}_foot").pos == pytest.approx([0, 0, -0.213])
        assert model.jnt_range[model.joint(f"{leg}_hip_joint").id] == pytest.approx([-0.863, 0.863])
        assert model.jnt_range[model.joint(f"{leg}_thigh_joint").id] == pytest.approx([-0.686, 4.501])
        assert model.jnt_range[model.joint(f"{leg}_calf_joint").id] == pytest.approx([-2.818, -0.888])
        assert model.actuator(f"{leg}_calf").forcerange == pytest.approx([-35.55, 35.55])
        assert model.actuator(f"{leg}_thigh").forcerange == pytest.approx([-23.7, 23.7])
    assert model.nu == 12
    assert model.opt.timestep == pytest.approx(0.005)


def test_its_home_keyframe_puts_every_foot_under_its_hip_on_the_ground(model: mujoco.MjModel) -> None:
    data = mujoco.MjData(model)
    mujoco.mj_resetDataKeyframe(model, data, model.key("home").id)
    mujoco.mj_forward(model, data)
    for leg in LEGS:
        foot, hip = data.site(f"{leg}_foot").xpos, data.body(f"{leg}_thigh").xpos
        assert foot[0] == pytest.approx(hip[0], abs=1e-3)
        assert 0.02 <= foot[2] <= 0.025  # the sphere's radius above the floor: touching, not sunk
    np.testing.assert_array_equal(data.ctrl, model.key("home").qpos[7:])


def test_it_stands_on_its_home_pose_under_its_position_actuators(model: mujoco.MjModel) -> None:
    data = mujoco.MjData(model)
    mujoco.mj_resetDataKeyframe(model, data, model.key("home").id)
    for _ in range(400):  # 2 s
        mujoco.mj_step(model, data)
    assert 0.2 < data.qpos[2] < 0.29
    up = np.zeros(9)
    mujoco.mju_quat2Mat(up, data.qpos[3:7])
    assert up[8] > 0.98  # the trunk's z axis within 11 degrees of vertical
    touch = np.array([data.sensor(f"{leg}_foot_touch").data[0] for leg in LEGS])
    assert (touch > 5.0).all()  # every foot carries weight
    assert touch.sum() == pytest.approx(12.744 * 9.81, rel=0.05)
