"""Velocity-command locomotion: commands drawn per episode and redrawn, the feet's contacts and air time, and
the terms that read them, hand-checked on the shipped quadruped and bit-identical on the batched backend."""

from importlib import resources

import mujoco
import numpy as np
import pytest

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.errors import RlkitError
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.vector_env import make_vector_env
from tests.rollout.helpers import assert_same

QUADRUPED = str(resources.files("rlkit.envs.tasks") / "assets" / "quadruped.xml")
COMMANDS = {"body": "trunk", "forward": [-1.0, 1.0], "lateral": [-0.5, 0.5], "yaw_rate": [-1.0, 1.0]}
BASE = {
    "keyframe": "home",
    "init_noise": 0.0,
    "frame_skip": 4,
    "action": {"mode": "joint_offset", "scale": 0.25},
    "commands": COMMANDS,
    "feet": ".._foot",
}


def quadruped(**task: object) -> MujocoEnv:
    return MujocoEnv(QUADRUPED, task={**BASE, **task})


def test_a_command_is_drawn_from_the_envs_generator_at_reset_within_its_ranges() -> None:
    observe = {"sensors": False, "observations": [{"term": "commands"}]}
    env = quadruped(**observe, commands={**COMMANDS, "standing": 0.0})
    draws = []
    for seed in range(20):
        obs, _ = env.reset(seed=seed)
        np.testing.assert_array_equal(obs, env.task_state.commands[0])
        draws.append(obs.copy())
    draws_again = [
        quadruped(sensors=False, observations=[{"term": "commands"}], commands={**COMMANDS, "standing": 0.0})
    ]
    np.testing.assert_array_equal(draws_again[0].reset(seed=3)[0], draws[3])
    commands = np.stack(draws)
    assert (np.abs(commands[:, 0]) <= 1.0).all() and (np.abs(commands[:, 1]) <= 0.5).all()
    assert (np.abs(commands[:, 2]) <= 1.0).all()
    assert commands[:, 0].std() > 0.3  # drawn, not fixed


def test_the_command_is_redrawn_when_its_hold_time_runs_out_and_standing_is_zero() -> None:
    # 0.02 s per step: a hold of exactly 0.1 s is 5 steps
    env = quadruped(commands={**COMMANDS, "resample_seconds": [0.1, 0.1], "standing": 0.0})
    env.reset(seed=0)
    first = env.task_state.commands.copy()
    assert env.task_state.command_steps_left[0] == 5
    for _ in range(4):
        env.step(np.zeros(12))
        np.testing.assert_array_equal(env.task_state.commands, first)
    env.step(np.zeros(12))
    assert not np.array_equal(env.task_state.commands, first)
    assert env.task_state.command_steps_left[0] == 5
    standing = quadruped(commands={**COMMANDS, "standing": 1.0})
    standing.reset(seed=0)
    np.testing.assert_array_equal(standing.task_state.commands, 0.0)


def test_tracking_kernels_and_the_tracking_error_by_hand() -> None:
    env = quadruped(
        reward=[
            {"term": "track_linear_velocity", "sigma": 0.25},
            {"term": "track_angular_velocity", "sigma": 0.5, "weight": 0.5},
        ],
    )
    env.reset(seed=0)
    env.step(np.zeros(12))
    # the base upright and still, moving at (0.3, -0.1) m/s and yawing at 0.2 rad/s, commanded (0.5, 0.1, 0)
    env.data.qpos[3:7] = (1.0, 0.0, 0.0, 0.0)
    env.data.qvel[:6] = (0.3, -0.1, 0.0, 0.0, 0.0, 0.2)
    mujoco.mj_forward(env.model, env.data)
    env.task_state.commands[0] = (0.5, 0.1, 0.0)
    _, terms = env.reward(np.zeros(12))
    assert terms["track_linear_velocity"] == pytest.approx(np.exp(-(0.2**2 + 0.2**2) / 0.25))
    assert terms["track_angular_velocity"] == pytest.approx(0.5 * np.exp(-(0.2**2) / 0.5))
    assert env._tracking_error is not None
    assert env._tracking_error(env.sim_arrays)[0] == pytest.approx(np.hypot(0.2, 0.2))


def test_feet_air_time_pays_at_touchdown_what_the_air_time_exceeds() -> None:
    env = quadruped(reward=[{"term": "feet_air_time", "threshold": 0.5}])
    env.reset(seed=0)
    state, dt = env.task_state, env.dt
    sensordata = np.zeros((1, env.model.nsensordata))
    columns = state.foot_columns
    # foot 0 off the ground for 40 steps (0.8 s), then down: at touchdown the term pays 0.8 + dt - 0.5
    state.commands[0] = (1.0, 0.0, 0.0)
    for _ in range(40):
        state.after_step(sensordata, dt, np.zeros(1, dtype=np.int64))
    sensordata[0, columns[0]] = 1.0
    sensordata[0, columns[1:]] = 1.0
    state.after_step(sensordata, dt, np.zeros(1, dtype=np.int64))
    _, terms = env.reward(np.zeros(12))
    # every foot was in the air as long: all four touch down together
    assert terms["feet_air_time"] == pytest.approx(4 * (41 * dt - 0.5))
    state.after_step(sensordata, dt, np.zeros(1, dtype=np.int64))
    _, terms = env.reward(np.zeros(12))
    assert terms["feet_air_time"] == 0.0  # no touchdown: nothing
    np.testing.assert_array_equal(state.air_time, 0.0)
    state.commands[0] = 0.0  # standing: no reward for steps
    for _ in range(40):
        state.after_step(np.zeros_like(sensordata), dt, np.zeros(1, dtype=np.int64))
    state.after_step(sensordata, dt, np.zeros(1, dtype=np.int64))
    state.after_step(sensordata, dt, np.zeros(1, dtype=np.int64))  # contacts are filtered over two steps
    assert env.reward(np.zeros(12))[1]["feet_air_time"] == 0.0


def test_feet_slip_clearance_standing_still_and_joint_accelerations_by_hand() -> None:
    env = quadruped(
        reward=[
            {"term": "feet_slip"},
            {"term": "feet_clearance", "height": 0.1},
            {"term": "standing_still"},
            {"term": "joint_accelerations"},
        ],
    )
    env.reset(seed=0)
    env.step(np.zeros(12))
    arrays, state, dt = env.sim_arrays, env.task_state, env.dt
    feet = state.feet
    # foot 0 slid 0.01 m in x over the step at height 0.05 while touching; the others still
    arrays.site_xpos_before[0, feet] = arrays.site_xpos[0, feet]
    arrays.site_xpos_before[0, feet[0], 0] -= 0.01
    state.previous_contact[0] = (True, False, False, False)
    speed = 0.01 / dt
    height = env.data.site_xpos[feet[0], 2]
    env.sim_arrays.qvel_before[0] = env.data.qvel
    env.sim_arrays.qvel_before[0, 6] -= 0.2  # the first hinge sped up by 0.2 rad/s
    state.commands[0] = (0.05, 0.0, 0.3)  # slower than 0.1 m/s: standing (the yaw rate is not counted)
    env.data.qpos[7:] = env.model.key("home").qpos[7:]  # the default pose, but the first hip 0.1 rad off
    env.data.qpos[7] += 0.1
    _, terms = env.reward(np.zeros(12))
    assert terms["feet_slip"] == pytest.approx(-(speed**2))
    assert terms["feet_clearance"] == pytest.approx(-((height - 0.1) ** 2) * speed)
    assert terms["standing_still"] == pytest.approx(-0.1, abs=1e-9)
    assert terms["joint_accelerations"] == pytest.approx(-((0.2 / dt) ** 2))
    state.commands[0] = (0.5, 0.0, 0.0)
    assert env.reward(np.zeros(12))[1]["standing_still"] == 0.0


def test_terms_without_their_commands_or_feet_are_one_line_errors() -> None:
    no_commands = {**BASE, "commands": None}
    with pytest.raises(RlkitError, match=r"reward\[0\]: this term follows velocity commands"):
        MujocoEnv(QUADRUPED, task={**no_commands, "reward": [{"term": "track_linear_velocity"}]})
    with pytest.raises(RlkitError, match=r"observations\[0\]: observes the velocity command"):
        MujocoEnv(QUADRUPED, task={**no_commands, "observations": [{"term": "commands"}]})
    with pytest.raises(RlkitError, match=r"reward\[0\]: this term reads the feet"):
        MujocoEnv(QUADRUPED, task={**BASE, "feet": None, "reward": [{"term": "feet_slip"}]})
    with pytest.raises(RlkitError, match=r"env\.task\.feet: 'toes' matches no site \(site names: imu"):
        MujocoEnv(QUADRUPED, task={**BASE, "feet": "toes"})
    with pytest.raises(RlkitError, match=r"env\.task\.commands.*forward: low 1\.0 is above high -1\.0"):
        MujocoEnv(QUADRUPED, task={**BASE, "commands": {**COMMANDS, "forward": [1.0, -1.0]}})


def test_batched_commands_feet_and_locomotion_terms_equal_sync_ones_to_the_bit() -> None:
    observations = [
        {"term": "projected_gravity", "body": "trunk"},
        {"term": "commands"},
        {"term": "joint_positions"},
        {"term": "last_action"},
    ]
    rewards = [
        {"term": "track_linear_velocity"},
        {"term": "track_angular_velocity"},
        {"term": "feet_air_time", "threshold": 0.05},
        {"term": "feet_slip"},
        {"term": "feet_clearance"},
        {"term": "standing_still"},
        {"term": "joint_accelerations", "weight": 1e-6},
    ]
    task = {
        **BASE,
        "init_noise": 0.05,
        "commands": {**COMMANDS, "resample_seconds": [0.06, 0.2], "standing": 0.3},
        "observations": observations,
        "reward": rewards,
        "termination": [{"term": "body_contact", "bodies": "trunk|.*_thigh"}],
    }
    config = EnvConfig(id=QUADRUPED, task=task, max_episode_steps=15)
    sync = make_vector_env(config, 3)
    batched = make_vector_env(config, 3, RolloutConfig(backend="batched", threads=2))
    assert isinstance(batched, BatchedVectorEnv)
    assert_same(sync.reset(seed=4), batched.reset(seed=4), "reset")
    rng = np.random.default_rng(1)
    touchdowns = 0
    for step in range(60):
        actions = rng.uniform(-2.0, 2.0, (3, 12)).astype(np.float32)
        expected = sync.step(actions)
        assert_same(expected, batched.step(actions), f"step {step}")
        info = expected[4]
        for step_info in (info, info.get("final_info", {})):
            if "reward_terms" in step_info:
                touchdowns += int((step_info["reward_terms"]["feet_air_time"] != 0).sum())
                assert "lin_vel_tracking_error" in step_info
    assert touchdowns >= 3, touchdowns


def test_the_reward_floor_raises_a_negative_step_reward_and_leaves_the_terms_as_they_are() -> None:
    penalties = [{"term": "actuator_forces", "weight": 1.0}, {"term": "alive_bonus", "weight": 0.1}]
    floored = quadruped(reward=penalties, reward_floor=0.0)
    plain = quadruped(reward=penalties)
    for env in (floored, plain):
        env.reset(seed=0)
    action = np.full(12, 0.5)
    (_, reward, *_, info), (_, plain_reward, *_, plain_info) = floored.step(action), plain.step(action)
    assert plain_reward < 0  # the forces cost more than the bonus pays
    assert reward == 0.0
    assert info["reward_terms"] == plain_info["reward_terms"]


def test_env_task_keys_replace_a_task_classs_own_and_keep_the_rest() -> None:
    import gymnasium as gym

    from rlkit.envs.tasks.quadruped import QUADRUPED_JOYSTICK_TASK

    overrides = {"commands": {"body": "trunk", "forward": [0.7, 0.7]}, "reward": [{"term": "alive_bonus"}]}
    env = gym.make("rlkit/Quadruped-v0", task=overrides).unwrapped
    shipped = QUADRUPED_JOYSTICK_TASK
    assert env.task.commands.forward == (0.7, 0.7)
    assert env.task.commands.yaw_rate == shipped.commands.yaw_rate  # a section merges key by key
    assert [term.term for term in env.task.reward] == ["alive_bonus"]  # a list is replaced whole
    assert env.task.observations == shipped.observations and env.task.keyframe == "home"


def test_a_saved_config_keeps_only_the_task_keys_given_so_a_reload_merges_them_again() -> None:
    from rlkit.config.loading import config_from_dict, config_to_dict, load_config

    config = load_config(
        "quadruped-joystick-ppo", ["env.task.commands.body=trunk", "env.task.commands.standing=0"]
    )
    saved = config_to_dict(config)["env"]["task"]
    assert set(saved) == {"reward", "commands"}  # the preset's reward list, and the overrides
    assert saved["commands"] == {"body": "trunk", "standing": 0.0}
    env = make_vector_env(config_from_dict(config_to_dict(config)).env, 1)
    task = env.envs[0].unwrapped.task
    assert task.commands.standing == 0.0 and task.commands.forward == (-1.0, 1.0)
    assert task.keyframe == "home" and len(task.observations) == 7


def test_a_task_dump_honours_pydantics_exclusions() -> None:
    from rlkit.envs.tasks.quadruped import QUADRUPED_JOYSTICK_TASK

    # the shipped task's commands set forward, lateral and yaw ranges that are also the defaults
    lean = QUADRUPED_JOYSTICK_TASK.model_dump(exclude_defaults=True)
    assert "forward" not in lean["commands"] and lean["commands"]["body"] == "trunk"
    assert lean["init_noise"] == 0.1 and lean["keyframe"] == "home"  # set and not the default: kept
    assert "reward" not in QUADRUPED_JOYSTICK_TASK.model_dump(exclude={"reward"})
