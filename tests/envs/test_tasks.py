"""Shipped tasks and the env factory: API checks with and without the full sim2real stack, layer order,
XML robots with YAML tasks, custom env classes and ids, discretized actions."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gymnasium_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from rlkit.config.schema import EnvConfig
from rlkit.envs import describe_environments, make_env
from rlkit.envs.actuators import ActionDelay, ActionNoise, ActionRateLimit, ActionRepeat, ActionSaturation
from rlkit.envs.discrete_actions import DiscreteActions
from rlkit.envs.randomization import PhysicsRandomization, PrivilegedObservation, RandomPushes
from rlkit.envs.sensors import (
    ObservationBias,
    ObservationClip,
    ObservationDelay,
    ObservationDrift,
    ObservationDropout,
    ObservationNoise,
    ObservationQuantization,
    SampleAndHold,
)
from rlkit.envs.tasks import TASKS
from rlkit.errors import RlkitError

PUSHED_BODY = {
    "rlkit/CartPoleSwingup-v0": "cart",
    "rlkit/CartPoleBalance-v0": "cart",
    "rlkit/Reacher-v0": "forearm",
    "rlkit/Walker-v0": "torso",
    "rlkit/Quadruped-v0": "trunk",
    "rlkit/TeamPush-v0": "box",
    "rlkit/Sumo-v0": "red_base",
    "HalfCheetah-v5": "torso",
}
#: Tasks of several robots, which refuse the layers that make one observation or action of the whole model.
TEAMS = ("rlkit/TeamPush-v0", "rlkit/Sumo-v0")


def full_stack(env_id: str) -> EnvConfig:
    """Every sim2real layer switched on (a team's: those it can split among its robots)."""
    config = EnvConfig.model_validate(
        {
            "id": env_id,
            "randomization": {
                "parameters": [
                    {"parameter": "body_mass", "low": 0.8, "high": 1.2},
                    {"parameter": "geom_friction", "friction": "all", "low": 0.5, "high": 1.5},
                    {"parameter": "dof_damping", "distribution": "loguniform", "low": 0.5, "high": 2.0},
                    {"parameter": "dof_armature", "low": 0.9, "high": 1.1},
                    {"parameter": "joint_stiffness", "mode": "offset", "low": 0.0, "high": 0.01},
                    {"parameter": "actuator_gain", "low": 0.9, "high": 1.1},
                    {
                        "parameter": "gravity",
                        "mode": "offset",
                        "distribution": "gaussian",
                        "mean": 0,
                        "std": 0.1,
                    },
                    {"parameter": "timestep", "low": 0.95, "high": 1.05, "shared": True},
                ],
                "pushes": {"body": PUSHED_BODY[env_id], "interval": [5, 20], "force": [0, 5]},
                "privileged_observation": True,
            },
            "actuators": {
                "noise_std": 0.05,
                "latency": {"min": 0, "max": 2},
                "rate_limit": 0.5,
                "saturation": 0.95,
                "repeat": 2,
            },
            "sensors": {
                "models": [
                    {
                        "noise_std": 0.01,
                        "bias_std": 0.01,
                        "drift_std": 0.001,
                        "dropout": 0.05,
                        "quantization": 0.001,
                        "clip": [-100, 100],
                        "update_every": 2,
                    }
                ],
                "latency": {"min": 1, "max": 3},
            },
        }
    )
    if env_id in TEAMS:
        config.randomization.privileged_observation = False
        config.actuators.repeat = 1
    return config


def test_every_shipped_task_is_registered_under_rlkit_ids() -> None:
    assert set(TASKS) == {
        "rlkit/CartPoleSwingup-v0",
        "rlkit/CartPoleBalance-v0",
        "rlkit/Reacher-v0",
        "rlkit/Walker-v0",
        "rlkit/Quadruped-v0",
        "rlkit/TeamPush-v0",
        "rlkit/Sumo-v0",
    }
    for env_id in TASKS:
        assert env_id in gym.registry


def test_list_envs_describes_each_task_as_itself() -> None:
    described = dict(describe_environments())
    assert described["rlkit/CartPoleBalance-v0"].startswith("Cart-pole balance")
    assert described["rlkit/CartPoleSwingup-v0"].startswith("Cart-pole swing-up")


@pytest.mark.parametrize("env_id", sorted(TASKS))
@pytest.mark.parametrize("stack", ["raw", "sim2real"])
def test_shipped_tasks_pass_gymnasium_and_sb3_env_checkers(env_id: str, stack: str) -> None:
    config = EnvConfig(id=env_id) if stack == "raw" else full_stack(env_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unbounded observation spaces are legitimate for sensors
        gymnasium_check_env(make_env(config, check=False), skip_render_check=True)
        sb3_check_env(make_env(config, check=False), warn=False)


def test_gymnasium_mujoco_tasks_take_the_same_layers() -> None:
    env = make_env(full_stack("HalfCheetah-v5"), check=False)
    obs, info = env.reset(seed=0)
    assert set(obs) == {"policy", "privileged"}
    assert "body_mass/torso" in info["randomization"]
    for _ in range(5):
        obs, *_ = env.step(env.action_space.sample())
    assert env.observation_space.contains(obs)


def test_layers_are_stacked_in_the_documented_order() -> None:
    env = make_env(full_stack("rlkit/Walker-v0"), check=False)
    chain = []
    while isinstance(env, gym.Wrapper):
        chain.append(type(env))
        env = env.env
    expected = [
        PrivilegedObservation,
        ObservationDelay,
        ObservationDropout,
        ObservationClip,
        ObservationQuantization,
        ObservationNoise,
        ObservationDrift,
        ObservationBias,
        SampleAndHold,
        ActionNoise,
        ActionDelay,
        ActionRateLimit,
        ActionSaturation,
        ActionRepeat,
        RandomPushes,
        PhysicsRandomization,
    ]
    assert chain[: len(expected)] == expected
    assert gym.wrappers.TimeLimit in chain[len(expected) :]


def test_same_seed_gives_the_same_episode_through_the_full_stack() -> None:
    def rollout(seed: int) -> np.ndarray:
        env = make_env(full_stack("rlkit/Walker-v0"), check=False)
        env.action_space.seed(0)
        obs, _ = env.reset(seed=seed)
        trace = [obs["policy"]]
        for _ in range(30):
            obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            trace.append(np.append(obs["policy"], reward))
            if terminated or truncated:
                obs, _ = env.reset()
        return np.concatenate(trace)

    np.testing.assert_array_equal(rollout(3), rollout(3))
    assert not np.array_equal(rollout(3), rollout(4))


def test_sensor_models_address_channels_by_name() -> None:
    config = EnvConfig.model_validate(
        {"id": "rlkit/CartPoleSwingup-v0", "sensors": {"models": [{"channels": ["cart_posiiton"]}]}}
    )
    with pytest.raises(RlkitError, match=r"env\.sensors\.models\[0\]\.channels: .*cart_position"):
        make_env(config)


# ------------------------------------------------------------------------------------------ XML robots

ROBOT_XML = """
<mujoco model="slider">
  <worldbody>
    <body name="block" pos="0 0 0.1">
      <joint name="x" type="slide" axis="1 0 0"/>
      <geom type="box" size="0.1 0.1 0.1" mass="1"/>
    </body>
  </worldbody>
  <actuator><motor name="push" joint="x" gear="10" ctrlrange="-1 1"/></actuator>
  <sensor><jointpos name="position" joint="x"/><jointvel name="velocity" joint="x"/></sensor>
</mujoco>
"""


def test_an_xml_file_with_a_yaml_task_is_an_env(tmp_path: Path) -> None:
    robot = tmp_path / "robot.xml"
    robot.write_text(ROBOT_XML)
    config = EnvConfig.model_validate(
        {
            "id": str(robot),
            "max_episode_steps": 50,
            "task": {
                "frame_skip": 2,
                "reward": [
                    {"term": "forward_velocity", "body": "block"},
                    {"term": "control_cost", "weight": 0.1},
                ],
            },
        }
    )
    env = make_env(config)
    assert env.unwrapped.observation_names == ["position", "velocity"]
    env.reset(seed=0)
    *_, info = env.step(np.array([1.0], dtype=np.float32))
    assert info["reward_terms"]["forward_velocity"] > 0
    assert info["reward_terms"]["control_cost"] == pytest.approx(-0.1)
    steps = 1
    while not env.step(env.action_space.sample())[3]:
        steps += 1
    assert steps + 1 == 50


def test_a_misspelled_name_in_a_yaml_task_fails_at_load(tmp_path: Path) -> None:
    robot = tmp_path / "robot.xml"
    robot.write_text(ROBOT_XML)
    config = EnvConfig.model_validate(
        {"id": str(robot), "task": {"reward": [{"term": "body_height", "body": "blok"}]}}
    )
    with pytest.raises(RlkitError) as error:
        make_env(config)
    assert str(error.value) == (
        "env.task.reward[0].body: the model has no body named 'blok' (body names: world, block)"
    )


def test_missing_xml_file_is_one_clear_line() -> None:
    with pytest.raises(RlkitError, match=r"model file 'nowhere/robot\.xml' does not exist"):
        make_env(EnvConfig(id="nowhere/robot.xml"))


CUSTOM_MODULE = """
import gymnasium as gym
from rlkit.envs import MujocoEnv

XML = '''{xml}'''

class Slider(MujocoEnv):
    def __init__(self, render_mode=None, target=0.5):
        super().__init__(XML, task={{"frame_skip": 2, "init_noise": 0.0}}, render_mode=render_mode)
        self.target = target

    def reward(self, action):
        distance = abs(self.data.qpos[0] - self.target)
        return -distance, {{"distance": distance}}

gym.register("custom/Slider-v0", entry_point=Slider, max_episode_steps=20)
"""


def test_custom_env_by_class_or_by_registered_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_robots.py").write_text(CUSTOM_MODULE.format(xml=ROBOT_XML))
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        by_class = make_env(EnvConfig(id="my_robots:Slider", kwargs={"target": 0.2}, max_episode_steps=10))
        assert by_class.unwrapped.target == 0.2
        by_id = make_env(EnvConfig(id="my_robots:custom/Slider-v0"))
        assert by_id.spec.max_episode_steps == 20
        by_id.reset(seed=0)
        assert by_id.step(np.zeros(1, dtype=np.float32))[1] == pytest.approx(-0.5, abs=1e-3)
    finally:
        sys.modules.pop("my_robots", None)
        gym.registry.pop("custom/Slider-v0", None)


# ------------------------------------------------------------------------------------- discrete actions


def test_discrete_actions_span_each_dimensions_range_on_an_even_grid() -> None:
    env = DiscreteActions(gym.make("rlkit/Reacher-v0"), levels=3)
    assert env.action_space == gym.spaces.Discrete(9)
    assert [env.action(i).tolist() for i in (0, 1, 4, 8)] == [[-1, -1], [-1, 0], [0, 0], [1, 1]]


def test_discrete_actions_from_the_config_and_their_limits() -> None:
    env = make_env(EnvConfig(id="rlkit/Walker-v0", discrete_actions=3))
    assert env.action_space == gym.spaces.Discrete(3**6)
    with pytest.raises(RlkitError, match=r"5\*\*6 = 15625 actions"):
        make_env(EnvConfig(id="rlkit/Walker-v0", discrete_actions=5))
    with pytest.raises(RlkitError, match="needs a bounded 1-D Box action space"):
        make_env(EnvConfig(id="CartPole-v1", discrete_actions=3))


def test_render_frames_from_each_shipped_task() -> None:
    for env_id in TASKS:
        env = gym.make(env_id, render_mode="rgb_array", width=64, height=64)
        env.reset(seed=0)
        frame = env.render()
        assert frame.shape == (64, 64, 3) and frame.std() > 5, env_id
        env.close()


def test_xml_task_env_rejects_unknown_kwargs() -> None:
    config = EnvConfig(id="rlkit/Walker-v0", kwargs={"speed": 2})
    with pytest.raises(
        RlkitError,
        match=r"environment 'rlkit/Walker-v0' rejected its arguments \['speed'\]",
    ):
        make_env(config)
