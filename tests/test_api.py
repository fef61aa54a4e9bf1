"""The Python API: rlkit.train returns the run, rlkit.load returns a policy that acts on one observation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import rlkit
from rlkit.config import load_config
from rlkit.errors import ConfigError
from rlkit.evaluate.restore import restore_agent
from rlkit.rollout import make_vector_env
from rlkit.rollout.agent_rows import agent_rows

QUICK = ("train.total_steps=1024", "agent.n_steps=128", "log.progress=false", "log.tensorboard=false")


def make_cartpole() -> gym.Env:
    """A module-level env factory: a run stores it by name."""
    return gym.make("CartPole-v1")


def test_train_returns_the_run_with_its_evaluation_and_metrics(tmp_path: Path) -> None:
    run = rlkit.train("cartpole-ppo", *QUICK, "eval.episodes=3", run_dir=tmp_path / "run")
    assert run.run_dir == tmp_path / "run" and (run.run_dir / "config.yaml").is_file()
    assert run.env_steps == 1024 and not run.interrupted
    assert run.checkpoint == run.run_dir / "checkpoints" / "final.pt"
    assert run.evaluation is not None and run.evaluation["episodes"] == 3
    assert run.config.train.total_steps == 1024
    # metrics.csv as numbers, one row per log interval, the last at the end of training
    assert run.metrics and run.metrics[-1]["env_steps"] == 1024.0
    assert run.metrics[-1]["train/gradient_steps"] > 0


def test_load_acts_on_one_observation_with_actions_valid_in_the_env(tmp_path: Path) -> None:
    run = rlkit.train("pendulum-ppo", *QUICK, "eval.episodes=1", run_dir=tmp_path / "run")
    policy = rlkit.load(run.run_dir)
    env = policy.make_env()
    observation, _ = env.reset(seed=0)
    for _ in range(5):
        action = policy.act(observation)
        assert env.action_space.contains(action), action
        observation, *_ = env.step(action)
    # deterministic: the same observation gives the same action, and the policy equals the agent's own
    assert np.array_equal(policy.act(observation), policy.act(observation))
    assert policy.observation_space == env.observation_space
    assert policy.env_steps == 1024


def test_load_acts_for_every_agent_of_a_multi_agent_game(tmp_path: Path) -> None:
    """A game's policy takes the game's observation and returns the joint action, one per agent, each as
    the trained rows policy (agent index and global state included) acts for that agent."""
    relay = ("env.id=tests.multi_agent.relay_game:relay_game", "env.kwargs={max_cycles: 5}")
    run = rlkit.train(
        "cartpole-ppo", *QUICK, *relay, "env.agents.critic=state", "eval.episodes=1", run_dir=tmp_path / "run"
    )
    policy = rlkit.load(run.run_dir)
    env = policy.make_env()
    observation, _ = env.reset(seed=3)
    rows_policy = restore_agent(run.run_dir).agent.make_policy(deterministic=True)
    for _ in range(4):
        action = policy.act(observation)
        assert env.action_space.contains(action), action
        batch = {key: np.asarray(value)[None] for key, value in observation.items()}
        expected = rows_policy(agent_rows(batch, agent_id=True), np.zeros(2, dtype=bool))
        assert np.array_equal(action, expected)
        observation, *_ = env.step(action)


def test_a_policy_with_memory_starts_afresh_after_reset(tmp_path: Path) -> None:
    run = rlkit.train("cartpole-recurrent-ppo", *QUICK, "eval.episodes=1", run_dir=tmp_path / "run")
    policy = run.load()
    env = policy.make_env()
    observation, _ = env.reset(seed=1)
    observations = [observation]
    for _ in range(6):
        observation, *_ = env.step(policy.act(observation))
        observations.append(observation)

    def replay() -> list[int]:
        policy.reset()
        return [int(policy.act(obs)) for obs in observations]

    assert replay() == replay()  # reset() wipes the memory, so the same inputs act the same


def test_train_from_a_mapping_and_with_a_module_level_env_factory(tmp_path: Path) -> None:
    config = {"env": {"id": "CartPole-v1"}, "agent": {"name": "ppo", "n_steps": 128}, "eval": {"episodes": 1}}
    run = rlkit.train(config, *QUICK, run_dir=tmp_path / "dict")
    assert run.config.env.id == "CartPole-v1" and run.evaluation is not None

    run = rlkit.train(
        "cartpole-ppo", *QUICK, "eval.episodes=1", run_dir=tmp_path / "factory", env=make_cartpole
    )
    assert (
        run.config.env.id == "tests.test_api:make_cartpole"
    )  # rebuilt by name: eval and resume work anywhere
    assert rlkit.load(run.run_dir).act(np.zeros(4, dtype=np.float32)) in (0, 1)


def test_a_lambda_env_factory_is_registered_in_this_process_and_wrapped_by_the_sensor_models(
    tmp_path: Path,
) -> None:
    noisy = ("env.sensors.models=[{channels: '.*', noise_std: 0.5}]",)
    run = rlkit.train(
        "cartpole-ppo",
        *QUICK,
        *noisy,
        "eval.episodes=1",
        run_dir=tmp_path / "run",
        env=lambda: gym.make("CartPole-v1"),
    )
    assert run.config.env.id.startswith("rlkit-python/")
    env = rlkit.load(run.run_dir).make_env()
    first, _ = env.reset(seed=0)
    plain, _ = gym.make("CartPole-v1").reset(seed=0)
    assert not np.allclose(first, plain)  # the config's sensor noise wraps the factory's env


def test_bad_input_raises_one_error_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"agent\.n_stepz"):
        rlkit.train("cartpole-ppo", "agent.n_stepz=3", run_dir=tmp_path / "run")
    with pytest.raises(ConfigError, match="env="):
        rlkit.train("cartpole-ppo", run_dir=tmp_path / "run", env="CartPole-v1")  # type: ignore[arg-type]
    assert not (tmp_path / "run").exists()


def test_building_blocks_config_and_vector_env() -> None:
    config = load_config("cartpole-ppo", ["rollout.num_envs=3"])
    env = make_vector_env(config.env, config.rollout.num_envs, config.rollout)
    observations, _ = env.reset(seed=0)
    assert observations.shape == (3, 4)
    env.close()


def test_import_rlkit_stays_light() -> None:
    # The API (torch, MuJoCo, every layer) loads on first use, not with `import rlkit`.
    code = "import sys, rlkit; print('torch' in sys.modules, 'rlkit.api' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
