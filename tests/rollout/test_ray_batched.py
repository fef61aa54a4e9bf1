"""Ray workers that each step their share of the envs as one batched env (``rollout.worker_backend``): the
same steps and fragments as sync workers, to the bit.

One local Ray instance (2 CPUs) serves the whole module: Ray's start-up costs seconds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

ray = pytest.importorskip("ray")

from rlkit.agents.ppo import PPOConfig  # noqa: E402
from rlkit.config.schema import EnvConfig, RolloutConfig, RunConfig  # noqa: E402
from rlkit.rollout.ray_vector_env import RayVectorEnv  # noqa: E402
from rlkit.rollout.vector_env import describe_backend_choice, make_vector_env  # noqa: E402
from rlkit.runs.build import build_agent  # noqa: E402
from tests.rollout.helpers import assert_same  # noqa: E402

NUM_ENVS = 4
# Short episodes of a task that also falls: truncations and terminations, with their final_obs.
WALKER = EnvConfig(id="rlkit/Walker-v0", max_episode_steps=12)


def workers(backend: str) -> RolloutConfig:
    return RolloutConfig(num_envs=NUM_ENVS, backend="ray", num_workers=2, worker_backend=backend)


def steps(env: Any, count: int, seed: int = 5) -> list[Any]:
    """A reset and ``count`` steps with the same random actions, every result in full."""
    rng = np.random.default_rng(seed)
    results: list[Any] = [env.reset(seed=[seed + i for i in range(NUM_ENVS)])]
    for _ in range(count):
        actions = rng.uniform(-1, 1, (NUM_ENVS, *env.single_action_space.shape)).astype(np.float32)
        results.append(env.step(actions))
    return results


def test_batched_workers_step_what_sync_workers_step(local_ray) -> None:
    sync = RayVectorEnv(WALKER, NUM_ENVS, workers("sync"))
    batched = RayVectorEnv(WALKER, NUM_ENVS, workers("batched"))
    assert (sync.worker_backend, batched.worker_backend) == ("sync", "batched")
    assert batched.single_observation_space == sync.single_observation_space
    assert batched.metadata["autoreset_mode"] == sync.metadata["autoreset_mode"]
    expected, got = steps(sync, 30), steps(batched, 30)
    assert_same(got, expected)
    ends = [int((step[2] | step[3]).sum()) for step in expected[1:]]
    assert sum(ends) >= 8  # the episodes ended, and restarted, in the run
    note = describe_backend_choice(batched, WALKER, workers("batched"))
    assert note == "rollout.worker_backend batched: 2 ray workers, each stepping 2 envs on batched"
    sync.close()
    batched.close()


def test_auto_workers_batch_a_mujoco_task_and_not_cartpole(local_ray) -> None:
    env = make_vector_env(WALKER, NUM_ENVS, workers("auto"))
    assert isinstance(env, RayVectorEnv) and env.worker_backend == "batched"
    env.close()
    cartpole = make_vector_env(EnvConfig(id="CartPole-v1"), NUM_ENVS, workers("auto"))
    assert isinstance(cartpole, RayVectorEnv) and cartpole.worker_backend == "sync"
    reference = make_vector_env(EnvConfig(id="CartPole-v1"), NUM_ENVS)
    assert_same(cartpole.reset(seed=3), reference.reset(seed=3))
    reference.close()
    cartpole.close()


def test_workers_acting_on_batched_envs_send_the_fragments_of_sync_workers(local_ray) -> None:
    torch.manual_seed(0)
    run = RunConfig(env=WALKER, agent=PPOConfig(n_steps=8))
    spaces = make_vector_env(WALKER, 1)
    learner = build_agent(
        run, spaces.single_observation_space, spaces.single_action_space, torch.device("cpu")
    )
    spaces.close()
    fragments = []
    for backend in ("sync", "batched"):
        acting = run.model_copy(update={"rollout": workers(backend)})
        env = RayVectorEnv(WALKER, NUM_ENVS, acting.rollout)
        env.attach_agent(acting)
        env.reset(seed=list(range(NUM_ENVS)))
        collected = []
        for k in range(2):
            env.request_fragments(learner.acting_state(), k * 8 * NUM_ENVS, 8)
            collected.append(env.fragments()[0])
        fragments.append(collected)
        env.close()
    for sync, batched in zip(*fragments, strict=True):
        assert_same(vars(batched), vars(sync))
