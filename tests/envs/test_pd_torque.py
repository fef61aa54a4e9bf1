"""pd_torque: a motor-driven robot's joints follow targets offset from the default pose through a PD law that
MuJoCo evaluates at every physics step, clipped to the motors' torque limits."""

import re
from importlib import resources

import mujoco
import numpy as np
import pytest

from rlkit.config.loading import ConfigError
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.config.sim2real import ActionConfig
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.errors import RlkitError
from rlkit.export.robot_interface import robot_interface
from rlkit.rollout.vector_env import make_vector_env
from tests.rollout.helpers import assert_same

SERVO_XML = (resources.files("rlkit.envs.tasks") / "assets" / "quadruped.xml").read_text()
# the same robot as a robot description writes it: torque motors with their limits as control ranges, gear 1
MOTOR_XML = re.sub(
    r'<position kp="35" kv="0.5" ctrlrange="[^"]*" forcerange="([^"]*)"/>',
    r'<motor ctrlrange="\1"/>',
    SERVO_XML,
).replace("<position ", "<motor ")
TASK = {"keyframe": "home", "init_noise": 0.05, "frame_skip": 4, "sensors": False, "qpos": True, "qvel": True}
PD = {"mode": "pd_torque", "scale": 0.25, "gains": [{"kp": 35.0, "kd": 0.5}]}


def test_the_motor_model_is_what_the_test_says_it_is() -> None:
    model = mujoco.MjModel.from_xml_string(MOTOR_XML)
    assert model.nu == 12
    assert (model.actuator_biastype == mujoco.mjtBias.mjBIAS_NONE).all()
    np.testing.assert_allclose(model.actuator_ctrlrange[2], [-35.55, 35.55])


def test_motors_under_pd_torque_compile_to_the_servos_of_the_position_model() -> None:
    servo = MujocoEnv(SERVO_XML, task={**TASK, "action": {"mode": "joint_offset", "scale": 0.25}}).model
    motor = MujocoEnv(MOTOR_XML, task={**TASK, "action": PD}).model
    for field in ("actuator_gainprm", "actuator_biasprm", "actuator_forcerange", "actuator_ctrlrange"):
        np.testing.assert_array_equal(getattr(motor, field), getattr(servo, field), err_msg=field)
    np.testing.assert_array_equal(motor.actuator_forcelimited, servo.actuator_forcelimited)


def test_pd_torque_steps_exactly_as_the_position_servos_do() -> None:
    servo = MujocoEnv(SERVO_XML, task={**TASK, "action": {"mode": "joint_offset", "scale": 0.25}})
    motor = MujocoEnv(MOTOR_XML, task={**TASK, "action": PD})
    assert motor.action_space == servo.action_space
    obs_servo, _ = servo.reset(seed=3)
    obs_motor, _ = motor.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(50):
        action = rng.uniform(-1, 1, 12)
        obs_servo, *_ = servo.step(action)
        obs_motor, *_ = motor.step(action)
    np.testing.assert_array_equal(obs_motor, obs_servo)


def test_the_torque_is_the_pd_law_clipped_to_the_motor_limit() -> None:
    gains = [{"actuators": ".._calf", "kp": 200.0, "kd": 2.0}, {"kp": 10.0, "kd": 0.25}]
    env = MujocoEnv(MOTOR_XML, task={**TASK, "init_noise": 0.0, "action": {**PD, "gains": gains}})
    env.reset(seed=0)
    action = np.linspace(-1, 1, 12)
    env.step(action)
    model, data = env.model, env.data
    data.ctrl[:] = model.actuator_ctrlrange[:, 1]  # targets far from the pose: the stiff calves saturate
    mujoco.mj_fwdActuation(model, data)
    joints = model.actuator_trnid[:, 0]
    q, qdot = data.qpos[model.jnt_qposadr[joints]], data.qvel[model.jnt_dofadr[joints]]
    calf = np.array(["calf" in model.actuator(i).name for i in range(12)])
    kp, kd = np.where(calf, 200.0, 10.0), np.where(calf, 2.0, 0.25)
    limit = np.where(calf, 35.55, 23.7)
    expected = np.clip(kp * (data.ctrl - q) - kd * qdot, -limit, limit)
    np.testing.assert_allclose(data.actuator_force, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(data.actuator_force[calf], 35.55)


def test_pd_torque_turns_a_geared_motors_limit_into_joint_torque() -> None:
    xml = MOTOR_XML.replace('<motor name="FR_calf"', '<motor gear="10" ctrlrange="-3 3" name="FR_calf"')
    env = MujocoEnv(xml, task={**TASK, "action": PD})
    calf = env.model.actuator("FR_calf").id
    np.testing.assert_allclose(env.model.actuator_forcerange[calf], [-30.0, 30.0])
    np.testing.assert_allclose(env.model.actuator_gear[calf, 0], 1.0)


def test_pd_torque_rejects_what_is_not_a_motor_and_unmatched_actuators() -> None:
    with pytest.raises(RlkitError, match="'FR_hip' is not a motor"):
        MujocoEnv(SERVO_XML, task={**TASK, "action": PD})
    gains = {**PD, "gains": [{"actuators": ".._(hip|thigh)", "kp": 1.0, "kd": 0.1}]}
    with pytest.raises(RlkitError, match="matches actuator 'FR_calf'"):
        MujocoEnv(MOTOR_XML, task={**TASK, "action": gains})
    with pytest.raises(RlkitError, match=r"needs env\.task\.keyframe"):
        MujocoEnv(MOTOR_XML, task={**TASK, "keyframe": None, "action": PD})


def test_gains_belong_to_pd_torque_alone() -> None:
    with pytest.raises(ValueError, match="needs gains"):
        ActionConfig(mode="pd_torque")
    with pytest.raises(ValueError, match="does not use them"):
        ActionConfig(mode="joint_offset", gains=[{"kp": 1.0, "kd": 0.0}])


def test_a_bad_gain_in_yaml_is_one_line_naming_it() -> None:
    with pytest.raises((ConfigError, RlkitError), match=r"gains.*kp"):
        MujocoEnv(MOTOR_XML, task={**TASK, "action": {**PD, "gains": [{"kp": -1.0, "kd": 0.0}]}})


def test_batched_pd_torque_equals_sync_to_the_bit(tmp_path) -> None:
    path = tmp_path / "motor_quadruped.xml"
    path.write_text(MOTOR_XML)
    config = EnvConfig(id=str(path), task={**TASK, "action": PD}, max_episode_steps=10)
    sync = make_vector_env(config, 3)
    batched = make_vector_env(config, 3, RolloutConfig(backend="batched", threads=2))
    assert_same(sync.reset(seed=1), batched.reset(seed=1), "reset")
    rng = np.random.default_rng(0)
    for step in range(15):
        actions = rng.uniform(-1, 1, (3, 12)).astype(np.float32)
        assert_same(sync.step(actions), batched.step(actions), f"step {step}")
    sync.close()
    batched.close()


def test_the_export_sidecar_carries_the_pd_law_of_a_pd_torque_robot() -> None:
    gains = [{"actuators": ".._calf", "kp": 40.0, "kd": 1.0}, {"kp": 20.0, "kd": 0.5}]
    env = MujocoEnv(MOTOR_XML, task={**TASK, "action": {**PD, "gains": gains}})
    targets = robot_interface(env)["joint_targets"]
    assert targets["scale"] == 0.25
    calf, hip = targets["actuators"][2], targets["actuators"][0]
    assert (calf["name"], calf["joint"], calf["kp"], calf["kd"]) == ("FR_calf", "FR_calf_joint", 40.0, 1.0)
    assert calf["torque_limit"] == [-35.55, 35.55] and calf["default"] == pytest.approx(-1.8)
    assert (hip["kp"], hip["kd"], hip["torque_limit"]) == (20.0, 0.5, [-23.7, 23.7])


def test_a_bad_actuator_pattern_is_one_line() -> None:
    gains = [{"actuators": "(", "kp": 1.0, "kd": 0.0}]
    with pytest.raises((ConfigError, RlkitError), match=r"gains\[0\]\.actuators.*not a regular expression"):
        MujocoEnv(MOTOR_XML, task={**TASK, "action": {**PD, "gains": gains}})
