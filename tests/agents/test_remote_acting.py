"""Acting on rollout workers: a copy of the agent chooses the actions, the learner replays them.

Whatever the copy stored about a step (observations, actions, log-probabilities, values, n-step windows,
recurrent memory), the learner must store the same when it replays the step with the copy's actions:
that is what makes a worker's fragment as good as the learner's own rollout.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents import AGENTS, StepResult

NUM_ENVS = 3
STEPS = 8
OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
DISCRETE = gym.spaces.Discrete(3)
BOX = gym.spaces.Box(-2.0, 2.0, (2,), np.float32)

CASES: dict[str, tuple[str, dict[str, Any], gym.Space]] = {
    "ppo-discrete": ("ppo", {"n_steps": STEPS, "normalize_observations": True}, DISCRETE),
    "ppo-box": ("ppo", {"n_steps": STEPS, "normalize_returns": True}, BOX),
    "a2c": ("a2c", {"n_steps": STEPS}, BOX),
    "recurrent_ppo": ("recurrent_ppo", {"n_steps": STEPS, "sequence_length": 4}, DISCRETE),
    "dqn-n-step": ("dqn", {"n_step": 3, "learning_starts": 0, "exploration_initial_eps": 0.5}, DISCRETE),
    "r2d2": ("r2d2", {"burn_in": 2, "sequence_length": 4, "sequence_overlap": 0}, DISCRETE),
    "sac": ("sac", {"learning_starts": 0}, BOX),
    "td3": ("td3", {"learning_starts": 4 * NUM_ENVS}, BOX),  # random warm-up, then the actor
}


def build(name: str, overrides: dict[str, Any], action_space: gym.Space, seed: int) -> Any:
    agent_class = AGENTS.get(name)
    config = agent_class.config_class(**overrides)
    return agent_class(config, OBS, action_space, NUM_ENVS, 10_000, torch.device("cpu"), seed)


def assert_same(a: Any, b: Any, where: str = "") -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{index}]")
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, np.ndarray):
        assert np.array_equal(a, b), where
    else:
        assert a == b, where


def stored(agent: Any) -> Any:
    """What the agent keeps of the steps it recorded."""
    buffer = agent.buffer
    if hasattr(buffer, "log_probs"):  # a rollout buffer
        return [buffer.obs, buffer.actions, buffer.log_probs, buffer.values, buffer.rewards, buffer.dones]
    state = buffer.state_dict()
    state.pop("rng", None)  # the replay's own sampling stream, seeded per agent
    return state


@pytest.mark.parametrize("case", CASES)
def test_learner_replaying_a_copys_actions_stores_what_the_copy_stored(case) -> None:
    name, overrides, action_space = CASES[case]
    learner = build(name, overrides, action_space, seed=0)
    copy = build(name, overrides, action_space, seed=1)  # another random stream, as on a worker
    copy.load_acting_state(learner.acting_state())
    rng = np.random.default_rng(0)
    learner.envs_reset()
    copy.envs_reset()
    for step in range(STEPS):
        obs = rng.uniform(-1.0, 1.0, (NUM_ENVS, 4)).astype(np.float32)
        env_actions = copy.explore(obs, step * NUM_ENVS)
        replayed = learner.explore(obs, step * NUM_ENVS, actions=copy.explored_actions())
        np.testing.assert_array_equal(replayed, env_actions)
        outcome = StepResult(
            rng.normal(size=NUM_ENVS).astype(np.float32),
            rng.random(NUM_ENVS) < 0.15,
            rng.random(NUM_ENVS) < 0.15,
            rng.uniform(-1.0, 1.0, (NUM_ENVS, 4)).astype(np.float32),
        )
        copy.record(outcome)
        learner.record(outcome)
    assert_same(stored(learner), stored(copy))


@pytest.mark.parametrize("case", ["ppo-box", "dqn-n-step", "sac"])
def test_without_the_copys_actions_the_learner_stores_its_own(case) -> None:
    # The check above can fail: the two random streams choose different actions.
    name, overrides, action_space = CASES[case]
    learner = build(name, overrides, action_space, seed=0)
    copy = build(name, overrides, action_space, seed=1)
    copy.load_acting_state(learner.acting_state())
    # many rows, so that two streams choosing alike everywhere is never a coincidence
    obs = np.random.default_rng(0).uniform(-1.0, 1.0, (64, 4)).astype(np.float32)
    assert not np.array_equal(copy.explore(obs, 0), learner.explore(obs, 0))


def test_acting_state_is_the_acting_network_on_the_cpu_and_loads_into_a_copy() -> None:
    learner = build("dqn", {}, DISCRETE, seed=0)
    state = learner.acting_state()
    assert set(state) == {"q_network"}  # what acting needs: not the target network
    copy = build("dqn", {}, DISCRETE, seed=5)
    copy.load_acting_state(state)
    obs = np.random.default_rng(1).uniform(-1.0, 1.0, (16, 4)).astype(np.float32)
    np.testing.assert_array_equal(copy.act(obs), learner.act(obs))


def test_on_policy_copies_drop_their_rollout_after_each_fragment() -> None:
    copy = build("ppo", {"n_steps": 2}, DISCRETE, seed=0)
    obs = np.zeros((NUM_ENVS, 4), np.float32)
    for _ in range(3):  # three fragments of one rollout each: the buffer never overflows
        for _ in range(2):
            copy.explore(obs, 0)
            copy.record(StepResult(np.zeros(NUM_ENVS), *[np.zeros(NUM_ENVS, bool)] * 2, obs))
        assert copy.buffer.full
        copy.discard_experience()
        assert copy.buffer.step == 0
    assert copy.rollout_length == 2 and build("sac", {}, BOX, 0).rollout_length is None
