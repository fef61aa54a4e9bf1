"""What REINFORCE and A2C share: action and observation spaces, privileged observations, exact resumption."""

from __future__ import annotations

import io

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents.a2c import A2C, A2CConfig
from rlkit.agents.base import StepResult
from rlkit.agents.on_policy import OnPolicyAgent
from rlkit.agents.reinforce import Reinforce, ReinforceConfig
from rlkit.errors import RlkitError
from tests.agents.test_learning import train_and_evaluate

AGENTS = [(Reinforce, ReinforceConfig), (A2C, A2CConfig)]
BOX_OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
PRIVILEGED_OBS = gym.spaces.Dict(
    {
        "policy": gym.spaces.Box(-1.0, 1.0, (3,), np.float32),
        "privileged": gym.spaces.Box(-1.0, 1.0, (2,), np.float32),
    }
)
ACTION_SPACES = {
    "discrete": gym.spaces.Discrete(3),
    "box": gym.spaces.Box(-1.0, 1.0, (2,), np.float32),
}
NUM_ENVS = 3


def make_agent(agent_class: type[OnPolicyAgent], config_class, obs_space, action_space, seed: int = 0):
    config = config_class(n_steps=4, normalize_observations=True, normalize_returns=True, ent_coef=0.01)
    return agent_class(config, obs_space, action_space, NUM_ENVS, 1000, torch.device("cpu"), seed)


def sample_obs(space: gym.Space, rng: np.random.Generator):
    if isinstance(space, gym.spaces.Dict):
        return {key: sample_obs(sub, rng) for key, sub in space.spaces.items()}
    return rng.uniform(-1.0, 1.0, (NUM_ENVS, *space.shape)).astype(np.float32)


def collect(agent: OnPolicyAgent, rng: np.random.Generator) -> list[np.ndarray]:
    """Drive ``agent`` through one rollout of random transitions; return the actions it chose."""
    actions = []
    while not agent.update_due(0):
        actions.append(agent.explore(sample_obs(agent.observation_space, rng), 0))
        terminated = rng.random(NUM_ENVS) < 0.2
        truncated = rng.random(NUM_ENVS) < 0.2
        rewards = rng.normal(size=NUM_ENVS).astype(np.float32)
        agent.record(StepResult(rewards, terminated, truncated, sample_obs(agent.observation_space, rng)))
    return actions


@pytest.mark.parametrize("agent_class, config_class", AGENTS)
@pytest.mark.parametrize("action_kind", ["discrete", "box"])
@pytest.mark.parametrize("obs_space", [BOX_OBS, PRIVILEGED_OBS], ids=["box_obs", "privileged_obs"])
def test_checkpoint_resumes_bit_exactly(agent_class, config_class, action_kind, obs_space) -> None:
    action_space = ACTION_SPACES[action_kind]
    agent = make_agent(agent_class, config_class, obs_space, action_space)
    collect(agent, np.random.default_rng(0))
    metrics = agent.update(0.1)
    assert np.isfinite(metrics["loss/policy"]) and np.isfinite(metrics["loss/value"])
    if action_kind == "box":
        assert action_space.contains(agent.act(sample_obs(obs_space, np.random.default_rng(1)))[0])

    buffer = io.BytesIO()
    torch.save(agent.state_dict(), buffer)
    buffer.seek(0)
    resumed = make_agent(agent_class, config_class, obs_space, action_space, seed=123)
    resumed.load_state_dict(torch.load(buffer, weights_only=True))

    obs = sample_obs(obs_space, np.random.default_rng(2))
    np.testing.assert_array_equal(agent.act(obs), resumed.act(obs))
    actions = collect(agent, np.random.default_rng(3))
    resumed_actions = collect(resumed, np.random.default_rng(3))
    for original, again in zip(actions, resumed_actions, strict=True):
        np.testing.assert_array_equal(original, again)  # same RNG stream and normalizer statistics
    assert agent.update(0.2) == resumed.update(0.2)  # same optimizer state and update counter
    assert agent.updates == resumed.updates == 2


@pytest.mark.parametrize("agent_class, config_class", AGENTS)
def test_actor_ignores_privileged_observation(agent_class, config_class) -> None:
    agent = make_agent(agent_class, config_class, PRIVILEGED_OBS, ACTION_SPACES["box"])
    collect(agent, np.random.default_rng(0))
    agent.update(0.5)
    obs = sample_obs(PRIVILEGED_OBS, np.random.default_rng(1))
    shifted = {"policy": obs["policy"], "privileged": obs["privileged"] + 5.0}
    np.testing.assert_array_equal(agent.act(obs), agent.act(shifted))
    flat, flat_shifted = (agent.policy.normalize(agent._obs_tensor(o)) for o in (obs, shifted))
    assert not torch.allclose(agent.policy.value(flat), agent.policy.value(flat_shifted))


@pytest.mark.parametrize("agent_class, config_class", AGENTS)
def test_unsupported_spaces_fail_with_the_agent_name(agent_class, config_class) -> None:
    name = config_class().name
    with pytest.raises(RlkitError, match=f"agent '{name}' acts in Discrete or 1-D Box"):
        make_agent(agent_class, config_class, BOX_OBS, gym.spaces.MultiDiscrete([2, 2]))
    with pytest.raises(RlkitError, match=f"agent '{name}' reads Box observations"):
        make_agent(agent_class, config_class, gym.spaces.Dict({"a": BOX_OBS}), ACTION_SPACES["discrete"])


def test_adaptive_kl_schedule_is_refused_without_target_kl() -> None:
    config = A2CConfig(lr_schedule="adaptive_kl")
    with pytest.raises(RlkitError, match=r"adaptive_kl needs agent\.target_kl"):
        A2C(config, BOX_OBS, ACTION_SPACES["box"], NUM_ENVS, 1000, torch.device("cpu"), 0)


CHAIN_PRESETS = [("cartpole-reinforce", ["agent.n_steps=32"]), ("cartpole-a2c", [])]


@pytest.mark.parametrize("preset, overrides", CHAIN_PRESETS)
def test_learns_a_chain(tmp_path, preset: str, overrides: list[str]) -> None:
    # reward only at the far end of 10 cells: the policy must learn from returns, not rewards
    summary = train_and_evaluate(
        tmp_path,
        preset,
        [
            "env.id=tests.agents.toy_envs:Chain",
            "env.kwargs={length: 10, max_steps: 30}",
            "train.total_steps=16384",
            "agent.network.hidden_sizes=[32]",
            "eval.episodes=2",
            *overrides,
        ],
    )
    # the shortest walk (9 steps right); an untrained deterministic policy stalls for all 30 steps
    assert summary["mean_return"] == pytest.approx(1.0)
    assert summary["mean_length"] == pytest.approx(9.0)
