"""Ray workers acting with copies of the agent: whole fragments reach the learner, none lost or repeated.

The env is :class:`~tests.envs.counter_env.CounterEnv`, whose observation after ``t`` steps of an episode is
``SLOPES * (t + 1)`` and whose reward is the step count after the step: every step a learner sees says where
in which episode it belongs, so a lost, repeated or misplaced step shows.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from rlkit.agents.ppo import PPOConfig  # noqa: E402
from rlkit.config.schema import EnvConfig, RolloutConfig, RunConfig  # noqa: E402
from rlkit.rollout.ray_vector_env import RayVectorEnv  # noqa: E402
from rlkit.rollout.ray_worker import Fragment  # noqa: E402
from tests.envs.counter_env import SLOPES  # noqa: E402
from tests.rollout.helpers import kill  # noqa: E402

NUM_ENVS, STEPS, EPISODE = 4, 6, 5
RUN = RunConfig(
    env=EnvConfig(id="tests.envs.counter_env:CounterEnv", kwargs={"terminate_after": EPISODE}),
    agent=PPOConfig(n_steps=STEPS),
    rollout=RolloutConfig(num_envs=NUM_ENVS, backend="ray", num_workers=2),
)


def counters(obs: np.ndarray) -> np.ndarray:
    """The step count inside its episode that each observation shows."""
    return np.rint(obs[..., 0] / SLOPES[0]).astype(int) - 1


def collect(env: RayVectorEnv, fragments: int, before_each=None) -> list[tuple[Fragment, np.ndarray]]:
    results = []
    for k in range(fragments):
        if before_each is not None:
            before_each(k)
        env.request_fragments({}, k * STEPS * NUM_ENVS, STEPS)  # no weights: the copies keep their own
        results.append(env.fragments())
    return results


def check_fragment(fragment: Fragment) -> None:
    """Every step of every env follows from the one before, inside the fragment."""
    clock = counters(fragment.obs)  # (T + 1, E)
    np.testing.assert_array_equal(fragment.rewards, clock[:-1] + 1)  # the reward is the step count after it
    ended = fragment.terminated
    np.testing.assert_array_equal(ended, clock[:-1] == EPISODE - 1)
    np.testing.assert_array_equal(clock[1:], np.where(ended, 0, clock[:-1] + 1))
    for t, env, final in zip(fragment.final_steps, fragment.final_envs, fragment.final_obs, strict=True):
        assert counters(final) == EPISODE  # the episode's true last observation
        assert counters(fragment.next_obs(t)[env]) == EPISODE
    assert fragment.actions.shape == (STEPS, NUM_ENVS, 3)


def test_fragments_are_whole_and_follow_on(local_ray) -> None:
    env = RayVectorEnv(RUN.env, NUM_ENVS, RUN.rollout)
    env.attach_agent(RUN)
    env.reset(seed=list(range(NUM_ENVS)))
    results = collect(env, 3)
    for (fragment, restarted), (following, _) in itertools.pairwise(results):
        check_fragment(fragment)
        assert not restarted.any()
        np.testing.assert_array_equal(following.obs[0], fragment.obs[-1])  # the next one goes on from here
    total = sum(fragment.rewards.size for fragment, _ in results)
    assert total == 3 * STEPS * NUM_ENVS
    env.close()


def test_a_lost_worker_is_replaced_and_its_envs_start_afresh(local_ray) -> None:
    env = RayVectorEnv(RUN.env, NUM_ENVS, RUN.rollout)
    env.attach_agent(RUN)
    env.reset(seed=list(range(NUM_ENVS)))

    def lose_worker_1(k: int) -> None:
        if k == 2:
            kill(env.workers[1])

    results = collect(env, 4, lose_worker_1)
    restarted = [mask.tolist() for _, mask in results]
    assert restarted == [[False] * 4, [False] * 4, [False, False, True, True], [False] * 4]
    assert env.worker_restarts == 1 and env.restarts == [0, 1]
    for fragment, _ in results:
        check_fragment(fragment)
    before, (after, _) = results[1][0], results[2]
    # Worker 0's envs go on; worker 1's envs start new episodes on the replacement.
    np.testing.assert_array_equal(after.obs[0, :2], before.obs[-1, :2])
    assert counters(after.obs[0, 2:]).tolist() == [0, 0]
    np.testing.assert_array_equal(results[3][0].obs[0], after.obs[-1])
    env.close()
