"""``{term: body_contact, bodies: REGEX}`` ends an episode when a watched body touches anything, through
contact sensors added to the model at load and left out of the observation."""

from __future__ import annotations

from importlib import resources

import mujoco
import numpy as np
import pytest

from rlkit.envs.contact_sensors import contact_sensor_name
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.errors import RlkitError

QUADRUPED = str(resources.files("rlkit.envs.tasks") / "assets" / "quadruped.xml")
TASK = {"keyframe": "home", "init_noise": 0.0, "frame_skip": 4}


def quadruped(bodies: str = "trunk|.*_thigh") -> MujocoEnv:
    return MujocoEnv(QUADRUPED, task={**TASK, "termination": [{"term": "body_contact", "bodies": bodies}]})


def test_a_sensor_per_matched_body_is_added_and_none_is_observed() -> None:
    plain, watched = MujocoEnv(QUADRUPED, task=TASK), quadruped()
    added = [contact_sensor_name(b) for b in ("trunk", "FR_thigh", "FL_thigh", "RR_thigh", "RL_thigh")]
    for name in added:
        assert watched.model.sensor(name).type == mujoco.mjtSensor.mjSENS_CONTACT
    assert watched.observation_names == plain.observation_names
    watched.reset(seed=0)
    plain.reset(seed=0)
    np.testing.assert_array_equal(watched.observation(), plain.observation())


def test_standing_goes_on_and_the_trunk_on_the_floor_ends_the_episode() -> None:
    env = quadruped()
    env.reset(seed=0)
    for _ in range(20):
        assert not env.step(env.model.key("home").qpos[7:])[2]
    env.data.qpos[2] = 0.04  # the trunk's box (half-height 0.057) through the floor
    mujoco.mj_forward(env.model, env.data)
    assert env.terminated()
    assert env.data.sensor(contact_sensor_name("trunk")).data[0] > 0


def test_a_pattern_that_matches_no_body_or_is_no_regex_is_one_line() -> None:
    with pytest.raises(
        RlkitError, match=r"termination\[0\]\.bodies: 'torso' matches no body \(body names: world, trunk"
    ):
        quadruped("torso")
    with pytest.raises(RlkitError, match=r"termination\[0\]\.bodies: '\(' is not a regular expression"):
        quadruped("(")
