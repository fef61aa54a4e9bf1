"""A vector of games as a vector of agents: row layout, agent index, rewards, episode ends, seeds."""

from __future__ import annotations

import numpy as np
import pytest

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.rollout.agent_rows import AgentRowsVectorEnv
from rlkit.rollout.vector_env import make_vector_env

RELAY = "tests.multi_agent.relay_game:relay_game"


def relay_rows(critic: str = "own", backend: str = "sync", games: int = 3) -> AgentRowsVectorEnv:
    config = EnvConfig(id=RELAY, kwargs={"max_cycles": 2}, agents={"critic": critic})
    env = make_vector_env(config, games, RolloutConfig(num_envs=games, backend=backend))
    assert isinstance(env, AgentRowsVectorEnv)
    return env


def test_game_g_agent_i_is_row_g_times_agents_plus_i() -> None:
    env = relay_rows()
    obs, info = env.reset(seed=[0, 1, 2])  # game g starts agent_0 at its seed
    assert env.num_envs == 6 and env.num_games == 3
    np.testing.assert_array_equal(
        obs,
        [[0, 1, 0], [10, 0, 1], [1, 1, 0], [10, 0, 1], [2, 1, 0], [10, 0, 1]],  # own observation, agent index
    )
    assert info["agent_active"].all()
    obs, rewards, terminated, truncated, _ = env.step(np.array([2, 0, 1, 1, 0, 2]))
    np.testing.assert_array_equal(rewards, [1, 9, 1, 10, 1, 11])  # each agent its own
    np.testing.assert_array_equal(obs[:, 0], [1, 9, 1, 10, 1, 11])
    assert not (terminated | truncated).any()
    env.close()


def test_a_game_that_ends_ends_every_row_with_its_final_observation() -> None:
    env = relay_rows(critic="state")
    env.reset(seed=[0, 0, 0])
    env.step(np.full(6, 2))
    obs, rewards, terminated, truncated, info = env.step(np.full(6, 2))
    assert truncated.all() and not terminated.any()  # max_cycles: cut off, bootstrapped
    np.testing.assert_array_equal(rewards, [2, 12] * 3)  # the last step's, from the game's final info
    assert info["_final_obs"].all()
    final = info["final_obs"][1]
    np.testing.assert_array_equal(final["policy"], [12, 0, 1])
    np.testing.assert_array_equal(final["privileged"], [2, 12, 2])  # the global state, for the critic
    np.testing.assert_array_equal(obs["policy"][1], [10, 0, 1])  # the next game's first
    env.close()


def test_without_agent_index_rows_see_their_own_observation_alone() -> None:
    config = EnvConfig(id=RELAY, agents={"agent_id": False})
    env = make_vector_env(config, 2, RolloutConfig(num_envs=2))
    obs, _ = env.reset(seed=5)
    np.testing.assert_array_equal(obs, [[5], [10], [6], [10]])  # a single seed: game g gets seed + g
    env.close()


@pytest.mark.parametrize("backend", ["subprocess"])
def test_games_step_the_same_on_worker_processes(backend: str) -> None:
    local, remote = relay_rows(critic="state"), relay_rows(critic="state", backend=backend)
    rng = np.random.default_rng(0)
    for a, b in zip(local.reset(seed=3), remote.reset(seed=3), strict=True):
        _assert_equal(a, b)
    for _ in range(5):
        actions = rng.integers(0, 3, size=6)
        for a, b in zip(local.step(actions)[:4], remote.step(actions)[:4], strict=True):
            _assert_equal(a, b)
    local.close()
    remote.close()


def _assert_equal(a: object, b: object) -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    else:
        np.testing.assert_array_equal(a, b)
