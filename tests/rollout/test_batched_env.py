"""The ``batched`` rollout backend: the same results as ``sync`` to the bit, SAME_STEP autoreset, training
and resume through the CLI, and one clear line for what it cannot run yet."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.config.sim2real import TaskConfig
from rlkit.errors import ConfigError, RlkitError
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.vector_env import final_observations, make_vector_env
from tests.cli.conftest import run_cli
from tests.rollout.helpers import assert_same

#: A robot of the user's own: a free-floating torso started pitched 30 degrees (a keyframe), so that it
#: falls in about half its episodes, a motor-driven leg, a ball-jointed tail (a quaternion the initial-state
#: noise moves and renormalizes), sites and sensors of several stages, and a task that uses every term of the
#: library.
ROBOT_XML = """
<mujoco>
  <option timestep="0.005" integrator="implicitfast"/>
  <worldbody>
    <geom type="plane" size="5 5 0.1"/>
    <site name="goal" pos="1 0 0.5"/>
    <body name="torso" pos="0 0 0.6">
      <freejoint/>
      <geom type="box" size="0.2 0.1 0.05" mass="2"/>
      <site name="nose" pos="0.2 0 0"/>
      <body name="leg" pos="0 0 -0.05">
        <joint name="hip" type="hinge" axis="0 1 0" range="-1 1"/>
        <geom type="capsule" fromto="0 0 0 0 0 -0.4" size="0.03"/>
        <site name="foot" pos="0 0 -0.43"/>
      </body>
      <body name="tail" pos="-0.2 0 0">
        <joint name="tail" type="ball" damping="0.1"/>
        <geom type="capsule" fromto="0 0 0 -0.2 0 0" size="0.01" mass="0.05"/>
      </body>
    </body>
  </worldbody>
  <keyframe>
    <key name="tilted" qpos="0 0 0.6 0.9659258 0 0.2588190 0 0 1 0 0 0"/>
  </keyframe>
  <actuator><motor joint="hip" gear="20" ctrlrange="-1 1"/></actuator>
  <sensor>
    <framequat objtype="body" objname="torso"/>
    <velocimeter site="nose"/>
    <accelerometer site="nose"/>
    <touch site="foot"/>
  </sensor>
</mujoco>
"""
ROBOT_TASK = {
    "frame_skip": 3,
    "qpos": True,
    "qvel": True,
    "keyframe": "tilted",
    "init_noise": 0.2,
    "reward": [
        {"term": "forward_velocity", "body": "torso", "weight": 1.0},
        {"term": "body_height", "body": "torso", "weight": 0.5},
        {"term": "upright", "body": "torso", "weight": 0.3},
        {"term": "site_distance", "site_a": "nose", "site_b": "goal", "weight": 0.2},
        {"term": "control_cost", "weight": 0.01},
        {"term": "action_rate_cost", "weight": 0.02},
        {"term": "alive_bonus", "weight": 1.0},
        {"term": "alive_bonus", "weight": 0.5},
    ],
    "termination": [
        {"term": "body_height", "body": "torso", "min": 0.25},
        {"term": "body_tilt", "body": "torso", "max": 0.8},
    ],
}
SHIPPED = ["rlkit/CartPoleSwingup-v0", "rlkit/CartPoleBalance-v0", "rlkit/Reacher-v0", "rlkit/Walker-v0"]
BATCHED = RolloutConfig(backend="batched", threads=2)


def _env_config(env_id: str, tmp_path: Path, **extra: Any) -> EnvConfig:
    if env_id == "robot.xml":
        path = tmp_path / "robot.xml"
        path.write_text(ROBOT_XML)
        return EnvConfig(id=str(path), task=TaskConfig.model_validate(ROBOT_TASK), **extra)
    return EnvConfig(id=env_id, **extra)


@pytest.mark.parametrize("env_id", [*SHIPPED, "robot.xml"])
def test_batched_steps_equal_sync_steps_to_the_bit(env_id: str, tmp_path: Path) -> None:
    # Short episodes: time limits and terminations both autoreset several times in 300 steps.
    config = _env_config(env_id, tmp_path, max_episode_steps=20)
    sync = make_vector_env(config, 4)
    batched = make_vector_env(config, 4, BATCHED)
    assert isinstance(batched, BatchedVectorEnv)
    assert batched.single_observation_space == sync.single_observation_space
    assert batched.single_action_space == sync.single_action_space
    assert_same(sync.reset(seed=11), batched.reset(seed=11), "reset")
    rng = np.random.default_rng(0)
    terminations = truncations = 0
    for step in range(300):
        actions = rng.uniform(-1.2, 1.2, (4, *sync.single_action_space.shape)).astype(np.float32)
        expected, got = sync.step(actions), batched.step(actions)
        # observations, rewards, terminated, truncated, and infos: final_obs, final_info, reward_terms
        assert_same(expected, got, f"step {step}")
        terminations += int(expected[2].sum())
        truncations += int(expected[3].sum())
    assert truncations >= 3, truncations
    if env_id in ("rlkit/CartPoleBalance-v0", "rlkit/Walker-v0", "robot.xml"):
        assert terminations >= 3, terminations
    # a reseed in the middle starts every env again from seed + i, as sync does
    assert_same(sync.reset(seed=[5, None, 7, None]), batched.reset(seed=[5, None, 7, None]), "reseed")
    actions = np.zeros((4, *sync.single_action_space.shape), dtype=np.float32)
    assert_same(sync.step(actions), batched.step(actions), "after reseed")


def test_same_step_autoreset_returns_the_next_episode_and_the_final_observation() -> None:
    env = make_vector_env(EnvConfig(id="rlkit/CartPoleSwingup-v0", max_episode_steps=3), 3, BATCHED)
    assert env.metadata["autoreset_mode"].name == "SAME_STEP"
    obs, _ = env.reset(seed=0)
    start = obs[:, [0, 4]]  # cart position and velocity: 0 plus the task's noise (0.01) at a start
    np.testing.assert_allclose(start, 0.0, atol=0.02)
    push = np.ones((3, 1), dtype=np.float32)
    for _ in range(2):
        obs, _, terminated, truncated, infos = env.step(push)
        assert not (terminated | truncated).any() and "final_obs" not in infos
    moved = obs
    obs, rewards, terminated, truncated, infos = env.step(push)
    assert truncated.all() and not terminated.any() and rewards.shape == (3,)
    assert infos["_final_obs"].all() and infos["_final_info"].all()
    final = np.stack(list(infos["final_obs"]))
    assert np.all(final[:, 4] > moved[:, 4] + 0.05)  # the pushed cart's last velocity, faster still...
    np.testing.assert_allclose(obs[:, [0, 4]], 0.0, atol=0.02)  # ...and the next episode's first
    np.testing.assert_array_equal(final_observations(obs, infos, truncated | terminated), final)
    # the new episodes run the full limit again: truncated at the 3rd step, not before
    for expected in (False, False, True):
        assert env.step(push)[3].all() == expected
    # a reset's seed decides the episode: the same seed, the same start; env i is seed + i
    first, _ = env.reset(seed=4)
    again, _ = env.reset(seed=[4, 5, 6])
    alone = make_vector_env(EnvConfig(id="rlkit/CartPoleSwingup-v0"), 1, BATCHED)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(alone.reset(seed=6)[0][0], first[2])
    assert env.call("frame_skip") == (1, 1, 1)


def test_reset_mask_resets_only_the_masked_envs() -> None:
    env = make_vector_env(EnvConfig(id="rlkit/Walker-v0"), 3, BATCHED)
    env.reset(seed=0)
    moved = env.step(np.ones((3, 6), dtype=np.float32))[0]
    obs, _ = env.reset(seed=[9, None, None], options={"reset_mask": np.array([True, False, False])})
    np.testing.assert_array_equal(obs[1:], moved[1:])
    np.testing.assert_array_equal(
        obs[0], make_vector_env(EnvConfig(id="rlkit/Walker-v0"), 1, BATCHED).reset(seed=9)[0][0]
    )


TRAIN = [
    "train",
    "cartpole-swingup-ppo",
    "rollout.backend=batched",
    "rollout.threads=2",
    "rollout.num_envs=8",
    "agent.n_steps=32",
    "agent.n_epochs=1",
    "train.device=cpu",
    "train.checkpoint_interval=256",
    "eval.episodes=1",
    "eval.interval=0",
    "log.interval=128",
    "log.progress=false",
    "log.tensorboard=false",
]


def test_train_and_resume_through_the_cli_on_the_batched_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[int] = []
    real_step = BatchedVectorEnv.step

    def counting_step(self: BatchedVectorEnv, actions: np.ndarray) -> Any:
        steps.append(self.num_envs)
        return real_step(self, actions)

    def training_steps() -> int:  # the final evaluation steps a batched env of one, too
        return sum(n for n in steps if n == 8)

    monkeypatch.setattr(BatchedVectorEnv, "step", counting_step)
    run_dir = tmp_path / "run"
    status, _, err = run_cli([*TRAIN, "train.total_steps=512", "--run-dir", str(run_dir)], capsys)
    assert status == 0, err
    assert training_steps() == 512  # every training step went through the batched env
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["rollout"]["backend"] == "batched"
    status, out, err = run_cli(["train", "--resume", str(run_dir), "train.total_steps=1024"], capsys)
    assert status == 0, err
    assert f"resuming {run_dir} at 512 steps" in out
    assert training_steps() == 1024
    with (run_dir / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert int(rows[-1]["env_steps"]) == 1024
    assert all(
        np.isfinite(float(row["rollout/ep_return_mean"])) for row in rows if row.get("rollout/ep_return_mean")
    )


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("env.discrete_actions=3", "env.discrete_actions"),
        ("env.pixels={}", "env.pixels"),
    ],
)
def test_a_setting_the_batched_backend_cannot_run_yet_fails_in_one_line(
    override: str, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    status, _, err = run_cli([*TRAIN, override, "train.total_steps=256", "--run-dir", str(run_dir)], capsys)
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and "rollout.backend sync" in lines[0], err
    assert not run_dir.exists()


def test_an_env_that_is_not_a_mujoco_task_fails_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(RlkitError, match=r"is CartPoleEnv; use rollout\.backend sync"):
        make_vector_env(EnvConfig(id="CartPole-v1"), 2, BATCHED)
    with pytest.raises(ConfigError, match=r"env\.pixels is not supported"):
        BatchedVectorEnv(EnvConfig(id="rlkit/Reacher-v0", pixels={}), 2, BATCHED)


def test_setting_an_attribute_of_the_batched_envs_fails_in_one_line() -> None:
    env = make_vector_env(EnvConfig(id="rlkit/CartPoleSwingup-v0"), 2, BATCHED)
    with pytest.raises(RlkitError, match="cannot set 'frame_skip' on its envs"):
        env.set_attr("frame_skip", [2, 2])
    env.close()
