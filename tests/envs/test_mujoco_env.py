"""The MuJoCo task base class and the task-term library, checked against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rlkit.config.sim2real import TaskConfig
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.errors import RlkitError

# A box on a frictionless x slider with a motor, a free-standing pole on a hinge, sites and sensors.
XML = """
<mujoco>
  <option timestep="0.01" gravity="0 0 0"/>
  <worldbody>
    <camera name="front" pos="0 -3 1" xyaxes="1 0 0 0 0 1"/>
    <site name="origin" pos="0 0 0"/>
    <body name="slider_box" pos="0 0 0.5">
      <joint name="slide" type="slide" axis="1 0 0"/>
      <geom type="box" size="0.1 0.1 0.1" mass="1"/>
      <site name="box_centre"/>
      <body name="pole" pos="0 0 0.1">
        <joint name="hinge" type="hinge" axis="0 1 0"/>
        <geom type="capsule" fromto="0 0 0 0 0 0.5" size="0.02" mass="0.1"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="push" joint="slide" ctrlrange="-2 2"/>
    <motor name="twist" joint="hinge" ctrlrange="-0.5 0.5"/>
  </actuator>
  <sensor>
    <jointpos name="box_x" joint="slide"/>
    <framepos name="box_position" objtype="body" objname="slider_box"/>
  </sensor>
</mujoco>
"""


def make(task: dict | None = None, **kwargs) -> MujocoEnv:
    return MujocoEnv(XML, task={"init_noise": 0.0, **(task or {})}, **kwargs)


def test_observations_are_named_sensor_channels_then_qpos_then_qvel() -> None:
    env = make({"qpos": True, "qvel": True, "exclude_joints": ["slide"]})
    assert env.observation_names == [
        "box_x",
        "box_position[0]",
        "box_position[1]",
        "box_position[2]",
        "qpos:hinge",
        "qvel:hinge",
    ]
    env.data.qpos[:] = [0.3, 0.2]
    env.data.qvel[:] = [1.0, -4.0]
    import mujoco

    mujoco.mj_forward(env.model, env.data)
    np.testing.assert_allclose(env.observation(), [0.3, 0.3, 0.0, 0.5, 0.2, -4.0])
    assert env.observation_space.shape == (6,)


def test_action_space_is_the_actuators_ctrlrange_and_drives_them() -> None:
    env = make()
    np.testing.assert_array_equal(env.action_space.low, [-2, -0.5])
    np.testing.assert_array_equal(env.action_space.high, [2, 0.5])
    env.reset(seed=0)
    env.step(np.array([1.0, 0.0]))
    np.testing.assert_array_equal(env.data.ctrl, [1.0, 0.0])


def test_frame_skip_sets_dt_and_physics_steps_per_env_step() -> None:
    env = make({"frame_skip": 5})
    assert env.dt == pytest.approx(0.05)
    env.reset(seed=0)
    env.step(np.zeros(2))
    assert env.data.time == pytest.approx(0.05)


def test_initial_state_noise_comes_from_the_seeded_generator() -> None:
    env = MujocoEnv(XML, task={"init_noise": 0.1})
    first, _ = env.reset(seed=3)
    again, _ = env.reset(seed=3)
    other, _ = env.reset(seed=4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert np.all(np.abs(env.data.qpos) <= 0.1)


def test_forward_velocity_term_is_the_body_velocity_over_the_step() -> None:
    # No gravity, no friction: a unit force on 2 kg for one 0.01 s step from rest moves the box at
    # v = F t / m at the end and by x = v t (semi-implicit Euler), so the measured mean velocity is v.
    xml = """
    <mujoco><option timestep="0.01" gravity="0 0 0"/><worldbody><body name="box">
      <joint name="slide" type="slide" axis="1 0 0"/><geom type="box" size="0.1 0.1 0.1" mass="2"/>
    </body></worldbody><actuator><motor joint="slide" ctrlrange="-1 1"/></actuator></mujoco>"""
    task = {"qpos": True, "init_noise": 0.0}
    env = MujocoEnv(
        xml, task={**task, "reward": [{"term": "forward_velocity", "body": "box", "weight": 2.0}]}
    )
    env.reset(seed=0)
    _, reward, *_, info = env.step(np.array([1.0]))
    velocity = 1.0 * 0.01 / 2.0
    assert reward == pytest.approx(2.0 * velocity, rel=1e-3)
    assert info["reward_terms"]["forward_velocity"] == pytest.approx(reward)


#: A box on a slide along x, and a post 1 m behind it.
BOX_AND_POST = """
<mujoco><option timestep="0.01" gravity="0 0 0"/><worldbody><site name="post" pos="-1 0 0"/>
  <body name="box"><joint name="slide" type="slide" axis="1 0 0"/>
  <geom type="box" size="0.1 0.1 0.1" mass="2"/><site name="box_centre"/></body></worldbody>
  <actuator><motor joint="slide" ctrlrange="-1 1"/></actuator></mujoco>"""


def test_site_approach_is_the_fall_of_the_distance_over_the_step() -> None:
    # a box pushed along x away from a site 1 m behind it: the distance grows by the step's travel
    term = {"term": "site_approach", "site_a": "box_centre", "site_b": "post", "weight": 3.0}
    env = MujocoEnv(BOX_AND_POST, task={"qpos": True, "init_noise": 0.0, "frame_skip": 5, "reward": [term]})
    env.reset(seed=0)
    before = env.data.site("box_centre").xpos[0]
    _, reward, *_ = env.step(np.array([1.0]))
    travelled = env.data.site("box_centre").xpos[0] - before
    assert travelled > 0
    assert reward == pytest.approx(-3.0 * travelled / 0.05, rel=1e-9)


def test_termination_when_two_sites_meet_or_part() -> None:
    near = {"term": "site_distance", "site_a": "box_centre", "site_b": "post", "min": 0.5}
    far = {"term": "site_distance", "site_a": "box_centre", "site_b": "post", "max": 1.5}
    env = MujocoEnv(BOX_AND_POST, task={"qpos": True, "init_noise": 0.0, "termination": [near, far]})
    for position, ends in ((0.0, False), (-0.6, True), (0.6, True), (0.4, False)):
        env.reset(seed=0)
        env.data.qpos[0] = position
        *_, terminated, _, _ = env.step(np.array([0.0]))
        assert terminated == ends, position


def test_height_upright_distance_control_rate_and_alive_terms() -> None:
    terms = [
        {"term": "body_height", "body": "slider_box", "weight": 1.0},
        {"term": "upright", "body": "pole", "weight": 1.0},
        {"term": "site_distance", "site_a": "origin", "site_b": "box_centre", "weight": 1.0},
        {"term": "control_cost", "weight": 0.5},
        {"term": "action_rate_cost", "weight": 0.25},
        {"term": "alive_bonus", "weight": 3.0},
    ]
    env = make({"reward": terms})
    env.reset(seed=0)
    env.data.qpos[1] = math.pi / 3  # tilt the pole 60°: upright = cos 60° = 0.5 (zero velocity keeps it)
    *_, info = env.step(np.array([0.0, 0.0]))
    assert info["reward_terms"]["upright"] == pytest.approx(0.5, abs=1e-9)
    _, reward, *_, info = env.step(np.array([2.0, 0.5]))
    values = info["reward_terms"]
    assert values["body_height"] == pytest.approx(0.5, abs=1e-6)
    assert values["site_distance"] == pytest.approx(-np.linalg.norm(env.data.site_xpos[1]), abs=1e-9)
    assert values["control_cost"] == pytest.approx(-0.5 * (4.0 + 0.25))
    assert values["action_rate_cost"] == pytest.approx(-0.25 * (4.0 + 0.25))
    assert values["alive_bonus"] == 3.0
    assert reward == pytest.approx(sum(values.values()))


def test_termination_when_height_or_tilt_leaves_its_range() -> None:
    env = make({"termination": [{"term": "body_tilt", "body": "pole", "max": 1.0}]})
    env.reset(seed=0)
    env.data.qpos[1] = 0.9
    assert not env.step(np.zeros(2))[2]
    env.data.qpos[1] = 1.2
    assert env.step(np.zeros(2))[2]
    env = make({"termination": [{"term": "body_height", "body": "slider_box", "min": 0.6}]})
    env.reset(seed=0)
    assert env.step(np.zeros(2))[2]


def test_the_terminated_penalty_is_paid_on_a_termination_after_the_floor() -> None:
    task = {
        "reward": [
            {"term": "control_cost", "weight": 1.0},  # -4 for an action of 2: floored to 0
            {"term": "terminated", "weight": -5.0},
        ],
        "reward_floor": 0.0,
        "termination": [{"term": "body_tilt", "body": "pole", "max": 1.0}],
    }
    env = make(task)
    env.reset(seed=0)
    env.data.qpos[1] = 0.5
    _, reward, terminated, _, info = env.step(np.array([2.0, 0.0]))
    assert not terminated and reward == 0.0 and info["reward_terms"]["terminated"] == 0.0
    env.data.qpos[1] = 1.2  # tilted past 1 rad: the episode ends, the penalty is paid below the floor
    _, reward, terminated, _, info = env.step(np.array([2.0, 0.0]))
    assert terminated and reward == -5.0 and info["reward_terms"]["terminated"] == -5.0
    with pytest.raises(RlkitError, match=r"the terminated term needs env\.task\.termination"):
        make({"reward": [{"term": "terminated"}]})


@pytest.mark.parametrize(
    ("task", "message"),
    [
        (
            {"reward": [{"term": "upright", "body": "polee"}]},
            "env.task.reward[0].body: the model has no body named 'polee' "
            "(body names: world, slider_box, pole)",
        ),
        (
            {"reward": [{"term": "site_distance", "site_a": "origin", "site_b": "tip"}]},
            "env.task.reward[0].site_b: the model has no site named 'tip' (site names: origin, box_centre)",
        ),
        (
            {"termination": [{"term": "body_height", "body": "torso", "min": 0.5}]},
            "env.task.termination[0].body: the model has no body named 'torso'",
        ),
        ({"camera": "side"}, "env.task.camera: the model has no camera named 'side' (camera names: front)"),
        ({"exclude_joints": ["rootx"]}, "env.task.exclude_joints[0]: the model has no joint named 'rootx'"),
        ({"reward": [{"term": "speed"}]}, "config key 'env.task.reward[0]'"),
        ({"reward": [{"term": "upright"}]}, "config key 'env.task.reward[0].body' is required"),
        (
            {"reward": [{"term": "upright", "body": "pole", "wieght": 2}]},
            "config key 'env.task.reward[0].wieght' is unknown (valid keys: weight, term, body)",
        ),
        ({"bogus": 1}, "config key 'env.task.bogus' is unknown (valid keys: frame_skip, "),
        ({"frame_skip": 0}, "config key 'env.task.frame_skip'"),
    ],
)
def test_misspelled_names_fail_at_load_listing_the_names_the_model_has(task: dict, message: str) -> None:
    with pytest.raises(RlkitError) as error:
        make(task)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_bad_models_give_one_line_errors(tmp_path) -> None:
    with pytest.raises(RlkitError, match=r"model file 'missing\.xml' does not exist"):
        MujocoEnv("missing.xml")
    broken = tmp_path / "broken.xml"
    broken.write_text("<mujoco><worldbody><body><geom type='box'/></worldbody></mujoco>")
    with pytest.raises(RlkitError, match="MuJoCo cannot load") as error:
        MujocoEnv(str(broken))
    assert "\n" not in str(error.value)


def test_renders_rgb_frames_from_the_named_camera() -> None:
    env = make({"camera": "front"}, render_mode="rgb_array", width=64, height=48)
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8
    assert frame.std() > 0
    env.close()


def test_a_task_class_declares_its_model_and_task() -> None:
    class Slider(MujocoEnv):
        MODEL = XML
        TASK = TaskConfig(init_noise=0.0, frame_skip=3)

    env = Slider()
    assert env.frame_skip == 3 and env.observation_names[0] == "box_x"
    assert Slider(task={"frame_skip": 2}).frame_skip == 2  # env.task replaces the class's task
    with pytest.raises(RlkitError, match="MujocoEnv needs a model"):
        MujocoEnv()


FLOATING_XML = """
<mujoco>
  <worldbody>
    <geom type="plane" size="5 5 0.1"/>
    <body name="base" pos="0 0 0.5">
      <freejoint/>
      <geom type="box" size="0.2 0.1 0.05" mass="2"/>
      <body name="leg" pos="0.2 0 0">
        <joint name="knee" type="hinge" axis="0 1 0" range="-2 2"/>
        <geom type="capsule" fromto="0 0 0 0 0 -0.3" size="0.02" mass="0.2"/>
      </body>
    </body>
  </worldbody>
  <actuator><position joint="knee" kp="10" ctrlrange="-2 2"/></actuator>
  <keyframe>
    <key name="crouch" qpos="0.1 0 0.4 0.9238795 0 0.3826834 0 -1.2" qvel="0 0 0 0 0 0 0.5"/>
  </keyframe>
</mujoco>
"""


def test_an_episode_starts_at_the_named_keyframe_with_noise_on_the_joints_not_the_floating_base() -> None:
    env = MujocoEnv(FLOATING_XML, task={"keyframe": "crouch", "init_noise": 0.1, "qpos": True, "qvel": True})
    key = env.model.key("crouch")
    for seed in range(5):
        env.reset(seed=seed)
        np.testing.assert_array_equal(env.data.qpos[:7], key.qpos[:7])  # the base: where the key puts it
        np.testing.assert_array_equal(env.data.qvel[:6], key.qvel[:6])
        assert 0 < abs(env.data.qpos[7] - key.qpos[7]) <= 0.1  # the knee: the key's angle plus noise
        assert 0 < abs(env.data.qvel[6] - key.qvel[6]) <= 0.1
    exact = MujocoEnv(FLOATING_XML, task={"keyframe": "crouch", "init_noise": 0.0, "qpos": True})
    exact.reset(seed=0)
    np.testing.assert_array_equal(exact.data.qpos, key.qpos)


def test_without_a_keyframe_the_floating_base_is_still_left_unmoved_by_the_noise() -> None:
    env = MujocoEnv(FLOATING_XML, task={"init_noise": 0.3, "qpos": True})
    env.reset(seed=1)
    np.testing.assert_array_equal(env.data.qpos[:7], env.model.qpos0[:7])
    assert env.data.qpos[7] != 0.0


def test_an_unnamed_free_joint_is_left_out_of_the_observation_by_its_index_name() -> None:
    env = MujocoEnv(FLOATING_XML, task={"qpos": True, "qvel": True, "exclude_joints": ["joint0"]})
    assert env.observation_names == ["qpos:knee", "qvel:knee"]


def test_a_misspelled_keyframe_or_joint_is_one_line_naming_what_the_model_has() -> None:
    with pytest.raises(
        RlkitError, match=r"env.task.keyframe: the model has no key named 'home' \(key names: crouch\)"
    ):
        MujocoEnv(FLOATING_XML, task={"keyframe": "home"})
    with pytest.raises(
        RlkitError, match=r"exclude_joints\[0\]: the model has no joint named 'root' .*joint0, knee"
    ):
        MujocoEnv(FLOATING_XML, task={"qpos": True, "exclude_joints": ["root"]})
