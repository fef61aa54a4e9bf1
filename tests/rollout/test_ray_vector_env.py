"""The ``ray`` rollout backend: the same data as ``sync``, env calls, and surviving a lost worker.

One local Ray instance (2 CPUs) serves the whole module: Ray's start-up costs seconds.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from rlkit.config.schema import EnvConfig, RolloutConfig  # noqa: E402
from rlkit.errors import RlkitError  # noqa: E402
from rlkit.rollout.ray_vector_env import RESTART_SEED_OFFSET, RayVectorEnv, _default_num_workers  # noqa: E402
from rlkit.rollout.vector_env import final_observations, make_vector_env  # noqa: E402
from tests.rollout.helpers import assert_same, kill  # noqa: E402

RAY = RolloutConfig(backend="ray", num_workers=2)
# Short episodes, so that both terminations and truncations (and their final_obs) show up.
CARTPOLE = EnvConfig(id="CartPole-v1", max_episode_steps=15)


def test_unreachable_address_is_one_clear_line(monkeypatch) -> None:
    monkeypatch.setattr(ray, "is_initialized", lambda: False)  # as in a fresh process, whatever ran before
    start = time.perf_counter()
    with pytest.raises(RlkitError, match=r"^cannot connect to rollout.ray_address '127.0.0.1:1': .+$"):
        RayVectorEnv(CARTPOLE, 2, RolloutConfig(backend="ray", ray_address="127.0.0.1:1"))
    assert time.perf_counter() - start < 10  # Ray itself would retry for minutes


def test_ray_errors_are_one_line(monkeypatch) -> None:
    def refuse(**kwargs):
        raise ConnectionError(
            "Could not find any running Ray instance.\nPlease specify the one to connect to."
        )

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", refuse)
    with pytest.raises(RlkitError) as caught:
        RayVectorEnv(CARTPOLE, 2, RolloutConfig(backend="ray", ray_address="auto"))
    assert str(caught.value) == (
        "cannot connect to rollout.ray_address 'auto': Could not find any running Ray instance."
    )


def test_without_an_address_ray_starts_an_instance_of_its_own(monkeypatch) -> None:
    """Not the cluster ``RAY_ADDRESS`` (or ``ray start``) names, which a plain ``ray.init()`` would join."""
    asked: list[dict] = []

    def record(**kwargs):
        asked.append(kwargs)
        raise ConnectionError("stop here")

    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:6379")
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", record)
    with pytest.raises(RlkitError, match=r"^cannot connect to a local Ray instance: stop here$"):
        RayVectorEnv(CARTPOLE, 2, RolloutConfig(backend="ray"))
    assert [kwargs["address"] for kwargs in asked] == ["local"]


def run_both(env_config: EnvConfig, num_envs: int, steps: int, seed: int = 3) -> tuple[list, list]:
    """The same reset and random actions on the sync and the ray backend: every step's full result."""
    runs = []
    for rollout in (None, RAY):
        env = make_vector_env(env_config, num_envs, rollout)
        env.action_space.seed(seed)
        results: list[Any] = [env.reset(seed=[seed + i for i in range(num_envs)])]
        for _ in range(steps):
            results.append(env.step(env.action_space.sample()))
        runs.append((env, results))
    return runs[0], runs[1]


def test_same_data_as_sync_bit_for_bit(local_ray) -> None:
    (sync, expected), (env, actual) = run_both(CARTPOLE, 4, 200)
    assert isinstance(env, RayVectorEnv) and env.num_workers == 2
    assert env.metadata == sync.metadata
    assert (env.observation_space, env.action_space) == (sync.observation_space, sync.action_space)
    assert_same(actual, expected)
    ends = sum(int((step[2] | step[3]).sum()) for step in expected[1:])
    truncations = sum(int(step[3].sum()) for step in expected[1:])
    assert ends > 20 and truncations > 5  # the run covered both kinds of episode end
    sync.close()
    env.close()
    assert env.closed


def test_dict_observations_infos_and_calls(local_ray) -> None:
    # A randomized HalfCheetah with the privileged observation: Dict observations and nested infos.
    cheetah = EnvConfig(
        id="HalfCheetah-v5",
        max_episode_steps=5,
        randomization={
            "parameters": [{"parameter": "body_mass", "low": 0.5, "high": 1.5}],
            "privileged_observation": True,
        },
    )
    (sync, expected), (env, actual) = run_both(cheetah, 2, 10)  # the last step truncates both
    assert env.single_observation_space == sync.single_observation_space
    assert set(env.single_observation_space.keys()) == {"policy", "privileged"}
    assert_same(actual, expected)
    next_obs, _, _, truncated, infos = actual[-1]
    assert truncated.all()
    real = final_observations(next_obs, infos, truncated)
    assert_same(real, final_observations(expected[-1][0], expected[-1][4], truncated))

    for vector in (sync, env):
        assert vector.call("set_randomization_scale", 0.25) == (None, None)
    assert env.get_attr("randomization_scale") == (0.25, 0.25)
    env.set_attr("spec_note", ["a", "b"])
    assert env.get_attr("spec_note") == ("a", "b")
    assert_same(env.reset(seed=[7, 8]), sync.reset(seed=[7, 8]))
    sync.close()
    env.close()


def test_lost_worker_is_replaced_and_reported(local_ray, caplog) -> None:
    num_envs, seed = 4, 10
    env = RayVectorEnv(CARTPOLE, num_envs, RAY)
    reference = make_vector_env(CARTPOLE, num_envs)  # what every env would have done without the loss
    env.action_space.seed(0)
    seeds = [seed + i for i in range(num_envs)]
    assert_same(env.reset(seed=seeds), reference.reset(seed=seeds))
    for _ in range(20):
        actions = env.action_space.sample()
        last = env.step(actions)
        assert_same(last, reference.step(actions))

    kill(env.workers[1])
    actions = env.action_space.sample()
    with caplog.at_level(logging.WARNING, logger="rlkit.rollout.ray_vector_env"):
        obs, rewards, terminated, truncated, infos = env.step(actions)
    warnings = [
        record.getMessage() for record in caplog.records if record.name == "rlkit.rollout.ray_vector_env"
    ]
    assert len(warnings) == 1 and "worker 1 (envs 2-3) was lost" in warnings[0]
    assert env.restarts == [0, 1] and env.worker_restarts == 1

    # Worker 0's envs go on exactly as before.
    ref_obs, ref_rewards, ref_terminated, ref_truncated, ref_infos = reference.step(actions)
    assert np.array_equal(obs[:2], ref_obs[:2]) and np.array_equal(rewards[:2], ref_rewards[:2])
    assert np.array_equal(terminated[:2], ref_terminated[:2])
    assert np.array_equal(truncated[:2], ref_truncated[:2])
    ref_ended = ref_infos.get("_final_obs", np.zeros(num_envs, dtype=np.bool_))
    assert np.array_equal(infos["_final_obs"][:2], ref_ended[:2])
    # Worker 1's envs: a cut episode, then new ones from the offset seeds.
    restarted = make_vector_env(CARTPOLE, 2)
    restarted_obs, _ = restarted.reset(seed=[seed + 2 + RESTART_SEED_OFFSET, seed + 3 + RESTART_SEED_OFFSET])
    assert np.array_equal(obs[2:], restarted_obs)
    assert rewards[2:].tolist() == [0.0, 0.0]
    assert terminated[2:].tolist() == [False, False] and truncated[2:].tolist() == [True, True]
    assert infos["worker_restarted"].tolist() == [False, False, True, True]
    assert infos["_worker_restarted"].tolist() == [False, False, True, True]
    assert infos["_final_obs"][2:].tolist() == [True, True]
    for index in (2, 3):
        assert np.array_equal(infos["final_obs"][index], last[0][index])
    for _ in range(20):
        actions = env.action_space.sample()
        step = env.step(actions)
        expected = [part[:2] for part in reference.step(actions)[:4]]
        expected_restarted = restarted.step(actions[2:])[:4]
        for part, head, tail in zip(step[:4], expected, expected_restarted, strict=True):
            assert np.array_equal(part, np.concatenate([head, tail]))
        assert "worker_restarted" not in step[4]

    # A worker lost between steps (found by a call) is reported by the next step.
    kill(env.workers[0])
    assert len(env.call("spec")) == num_envs
    *_, truncated, infos = env.step(env.action_space.sample())
    assert infos["worker_restarted"].tolist() == [True, True, False, False]
    assert truncated[:2].tolist() == [True, True] and env.restarts == [1, 1]
    for vector in (env, reference, restarted):
        vector.close()


def test_default_workers_divide_the_envs(local_ray) -> None:
    assert _default_num_workers(8) == 2  # one per CPU of the 2-CPU instance
    assert _default_num_workers(3) == 1  # 2 does not divide 3
    assert _default_num_workers(1) == 1
