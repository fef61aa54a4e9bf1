"""``env.sensors.history``: the last k readings side by side, oldest first, an episode starting with its first
reading repeated; the same on both backends."""

from __future__ import annotations

import numpy as np
import pytest

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs.effects.history import ObservationHistory, history_names
from rlkit.envs.factory import make_env
from rlkit.envs.sensors.channels import channel_names
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.vector_env import make_vector_env
from tests.rollout.helpers import assert_same


def test_a_history_starts_with_its_first_reading_repeated_and_shifts_by_one_reading_a_step() -> None:
    history = ObservationHistory(2, 3)
    first = history.reset(np.array([[1.0, 2.0], [5.0, 6.0]]))
    np.testing.assert_array_equal(first, [[1, 2, 1, 2, 1, 2], [5, 6, 5, 6, 5, 6]])
    np.testing.assert_array_equal(
        history(np.array([[3.0, 4.0], [7.0, 8.0]])), [[1, 2, 1, 2, 3, 4], [5, 6, 5, 6, 7, 8]]
    )
    second = history(np.array([[9.0, 9.5], [0.0, 0.5]]))
    np.testing.assert_array_equal(second, [[1, 2, 3, 4, 9, 9.5], [5, 6, 7, 8, 0, 0.5]])
    restarted = history.reset(np.array([[-1.0, -2.0]]), np.array([1]))  # env 1 alone starts afresh
    np.testing.assert_array_equal(restarted, [[-1, -2, -1, -2, -1, -2]])
    np.testing.assert_array_equal(history(np.zeros((2, 2)))[0], [3, 4, 9, 9.5, 0, 0])
    assert history_names(["a", "b"], 3) == ["a@-2", "b@-2", "a@-1", "b@-1", "a", "b"]


def test_the_env_observes_its_history_with_named_channels() -> None:
    plain = make_env(EnvConfig(id="rlkit/CartPoleSwingup-v0"))
    env = make_env(EnvConfig(id="rlkit/CartPoleSwingup-v0", sensors={"history": 3}))
    width = plain.observation_space.shape[0]
    assert env.observation_space.shape == (3 * width,)
    names = channel_names(env)
    assert names[-width:] == channel_names(plain) and names[0].endswith("@-2")
    obs, _ = env.reset(seed=0)
    reset_obs, _ = plain.reset(seed=0)
    np.testing.assert_array_equal(obs, np.tile(reset_obs, 3))
    step_obs = env.step(np.array([0.5], dtype=np.float32))[0]
    plain_obs = plain.step(np.array([0.5], dtype=np.float32))[0]
    np.testing.assert_array_equal(step_obs, np.concatenate([reset_obs, reset_obs, plain_obs]))


@pytest.mark.parametrize("latency", [None, {"min": 0, "max": 2}])
def test_batched_histories_equal_sync_ones_to_the_bit(latency: dict | None) -> None:
    sensors = {"history": 4, "latency": latency, "models": [{"channels": ".*", "noise_std": 0.1}]}
    config = EnvConfig(id="rlkit/Walker-v0", sensors=sensors, max_episode_steps=10)
    sync = make_vector_env(config, 3)
    batched = make_vector_env(config, 3, RolloutConfig(backend="batched", threads=2))
    assert isinstance(batched, BatchedVectorEnv)
    assert batched.single_observation_space == sync.single_observation_space
    assert batched.call("observation_names")[0] == channel_names(sync.envs[0])
    assert_same(sync.reset(seed=2), batched.reset(seed=2), "reset")
    rng = np.random.default_rng(0)
    for step in range(25):
        actions = rng.uniform(-1.0, 1.0, (3, 6)).astype(np.float32)
        assert_same(sync.step(actions), batched.step(actions), f"step {step}")
