"""The reward terms a legged robot trains with, each checked by hand on a state of the quadruped set by hand.
Every term is larger-is-better, so each of these costs is at most zero."""

from __future__ import annotations

import math
from collections.abc import Callable
from importlib import resources

import mujoco
import numpy as np
import pytest

from rlkit.envs.mujoco_env import MujocoEnv

QUADRUPED = str(resources.files("rlkit.envs.tasks") / "assets" / "quadruped.xml")
TERMS = [
    {"term": "base_height", "body": "trunk", "target": 0.3},
    {"term": "orientation", "body": "trunk"},
    {"term": "vertical_velocity", "body": "trunk"},
    {"term": "roll_pitch_rates", "body": "trunk"},
    {"term": "actuator_forces"},
    {"term": "joint_limits", "soft_fraction": 0.9},
    {"term": "undesired_contacts", "bodies": "trunk"},
]


def terms_at(change: Callable[[mujoco.MjData], None] = lambda data: None) -> dict[str, float]:
    """Each term's value (weight 1) in the home pose, its servos at their targets, after ``change`` and
    ``mj_forward``."""
    env = MujocoEnv(QUADRUPED, task={"keyframe": "home", "init_noise": 0.0, "reward": TERMS})
    env.reset(seed=0)
    data = env.data
    data.ctrl[:] = env.model.key("home").qpos[7:]
    change(data)
    mujoco.mj_forward(env.model, data)
    action = np.zeros(12)
    _, values = env._reward_arrays(env.sim_arrays, action[None], action[None])
    return {label: float(value[0]) for label, value in values.items()}


def test_the_home_pose_costs_almost_nothing_but_its_height() -> None:
    values = terms_at()
    assert values["base_height"] == pytest.approx(-((0.3 - 0.286) ** 2))
    for label in (
        "orientation",
        "vertical_velocity",
        "roll_pitch_rates",
        "joint_limits",
        "undesired_contacts",
    ):
        assert values[label] == 0.0, label


def test_worked_values() -> None:
    pitch = [math.cos(math.pi / 12), 0.0, math.sin(math.pi / 12), 0.0]  # 30 degrees nose down

    def tilt(data: mujoco.MjData) -> None:
        data.qpos[3:7] = pitch
        data.qvel[3:6] = [1.0, 2.0, 3.0]

    values = terms_at(tilt)
    assert values["orientation"] == pytest.approx(-(0.5**2))  # gravity's forward part: sin 30
    assert values["roll_pitch_rates"] == pytest.approx(-(1.0 + 4.0))

    # level, rising at 0.5 m/s: -0.25; the trunk at 0.25 m: -(0.05)^2
    def sink_and_rise(data: mujoco.MjData) -> None:
        data.qpos[2], data.qvel[2] = 0.25, 0.5

    values = terms_at(sink_and_rise)
    assert values["vertical_velocity"] == pytest.approx(-0.25)
    assert values["base_height"] == pytest.approx(-(0.05**2))
    # the FR knee at -0.95 rad: its soft range is -1.853 ± 0.9 × 0.965, so -0.9845 is its soft top
    values = terms_at(lambda data: data.qpos.__setitem__(9, -0.95))
    assert values["joint_limits"] == pytest.approx(-(-0.95 - (-1.853 + 0.9 * 0.965)), abs=1e-9)
    # the FR hip's servo 0.1 rad off its target, at rest: kp × 0.1 = 3.5 N·m
    values = terms_at(lambda data: data.ctrl.__setitem__(0, 0.1))
    assert values["actuator_forces"] == pytest.approx(-(3.5**2))
    # the trunk through the floor: one watched body touching
    assert terms_at(lambda data: data.qpos.__setitem__(2, 0.04))["undesired_contacts"] == -1.0
