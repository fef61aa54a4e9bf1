"""Named observation terms (``env.task.observations``), checked by hand on the quadruped."""

from __future__ import annotations

import math
from importlib import resources

import mujoco
import numpy as np
import pytest

from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.errors import RlkitError

QUADRUPED = str(resources.files("rlkit.envs.tasks") / "assets" / "quadruped.xml")
TERMS = [
    {"term": "projected_gravity", "body": "trunk"},
    {"term": "base_linear_velocity", "body": "trunk"},
    {"term": "base_angular_velocity", "body": "trunk"},
    {"term": "joint_positions"},
    {"term": "joint_velocities"},
]


def quadruped(**task: object) -> MujocoEnv:
    return MujocoEnv(
        QUADRUPED,
        task={"sensors": False, "keyframe": "home", "init_noise": 0.0, "observations": TERMS, **task},
    )


def observed(env: MujocoEnv, prefix: str) -> np.ndarray:
    columns = [i for i, name in enumerate(env.observation_names) if name.startswith(prefix)]
    return env.observation()[columns]


def test_the_channels_are_named_by_term_axis_and_joint() -> None:
    names = quadruped().observation_names
    assert names[:3] == ["projected_gravity[x]", "projected_gravity[y]", "projected_gravity[z]"]
    assert names[9] == "joint_positions:FR_hip_joint"
    assert names[-1] == "joint_velocities:RL_calf_joint"
    assert len(names) == 9 + 12 + 12


def test_worked_values_for_a_base_yawed_a_quarter_turn_and_pitched() -> None:
    env = quadruped()
    env.reset(seed=0)
    data = env.data
    # standing level: gravity straight down in the base's frame, joints at the default pose
    np.testing.assert_allclose(observed(env, "projected_gravity"), [0, 0, -1], atol=1e-12)
    np.testing.assert_array_equal(observed(env, "joint_positions"), np.zeros(12))
    # yaw a quarter turn, then pitch the nose down by 30 degrees (about the base's own y axis)
    yaw = np.array([math.cos(math.pi / 4), 0, 0, math.sin(math.pi / 4)])
    pitch = np.array([math.cos(math.pi / 12), 0, math.sin(math.pi / 12), 0])
    quat = np.zeros(4)
    mujoco.mju_mulQuat(quat, yaw, pitch)
    data.qpos[3:7] = quat
    data.qvel[0:3] = [1.0, 0.0, 0.0]  # moving along world x: the base's right side, as it faces world y
    data.qvel[3:6] = [0.0, 0.0, 2.0]  # a free joint's angular velocity is in the body frame already
    data.qpos[7] += 0.1  # FR hip
    data.qvel[7] = -0.5  # FR thigh (dofs 0-5 are the base's, 6 the FR hip's)
    mujoco.mj_forward(env.model, data)
    s, c = math.sin(math.pi / 6), math.cos(math.pi / 6)
    np.testing.assert_allclose(observed(env, "projected_gravity"), [s, 0, -c], atol=1e-12)
    np.testing.assert_allclose(observed(env, "base_linear_velocity"), [0, -1, 0], atol=1e-12)
    np.testing.assert_allclose(observed(env, "base_angular_velocity"), [0, 0, 2], atol=1e-12)
    positions = observed(env, "joint_positions")
    assert positions[0] == pytest.approx(0.1)
    np.testing.assert_array_equal(positions[1:], np.zeros(11))
    assert observed(env, "joint_velocities")[1] == -0.5


def test_a_base_term_needs_a_body_with_a_free_joint() -> None:
    with pytest.raises(RlkitError, match=r"observations\[0\]\.body: projected_gravity needs the base body"):
        quadruped(observations=[{"term": "projected_gravity"}])
    with pytest.raises(RlkitError, match=r"observations\[0\]\.body: body 'FR_calf' has no free joint"):
        quadruped(observations=[{"term": "base_linear_velocity", "body": "FR_calf"}])
    with pytest.raises(RlkitError, match="the model has no body named 'torso'"):
        quadruped(observations=[{"term": "projected_gravity", "body": "torso"}])
