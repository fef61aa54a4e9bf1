"""What the SAC and TD3 tests share: small agents, the toy task, checkpoint rebuilding and the checks of the
off-policy base (warm-up, the update-to-data ratio, privileged observations, the action spaces accepted)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TypeVar

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents import StepResult
from rlkit.agents.off_policy import OffPolicyActorCritic
from rlkit.config.loading import load_config
from rlkit.errors import RlkitError
from rlkit.training.trainer import Trainer

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "train.target_return=null"]
TOY = [
    "env.id=tests.agents.toy_envs:TargetReaching",
    "agent.learning_starts=200",
    "agent.batch_size=64",
    "agent.network.hidden_sizes=[64, 64]",
    "eval.episodes=64",
]
CPU = torch.device("cpu")
BOX = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
ACTIONS = gym.spaces.Box(-2.0, 2.0, (2,), np.float32)
PRIVILEGED = gym.spaces.Dict(
    {
        "policy": gym.spaces.Box(-np.inf, np.inf, (3,), np.float64),
        "privileged": gym.spaces.Box(-np.inf, np.inf, (2,), np.float32),
    }
)

AgentT = TypeVar("AgentT", bound=OffPolicyActorCritic)


def make_agent(
    agent_class: type[AgentT], observation_space: gym.Space = BOX, num_envs: int = 1, seed: int = 0, **fields
) -> AgentT:
    """A small agent acting in ``ACTIONS`` on the CPU, its config's defaults overridden by ``fields``."""
    config = agent_class.config_class(network={"hidden_sizes": [16, 16], "activation": "relu"}, **fields)
    return agent_class(config, observation_space, ACTIONS, num_envs, 10_000, CPU, seed)


def train_on_toy(preset: str, tmp_path: Path, *overrides: str) -> Trainer:
    """A trainer that has run ``preset`` on the target-reaching toy task."""
    config = load_config(preset, [*QUIET, *TOY, *overrides])
    trainer = Trainer(config, tmp_path)
    trainer.run()
    return trainer


def rebuild(agent: AgentT) -> AgentT:
    """A new agent from a checkpoint of ``agent`` loaded as rlkit loads checkpoints (no pickle)."""
    buffer = io.BytesIO()
    torch.save(agent.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    clone = type(agent)(
        agent.config,
        agent.observation_space,
        agent.action_space,
        agent.num_envs,
        agent.total_steps,
        agent.device,
        seed=12345,  # every random stream must come from the checkpoint, not the seed
    )
    clone.load_state_dict(state)
    return clone


def check_checkpoint_round_trip(agent: AgentT) -> tuple[AgentT, np.ndarray, dict[str, float]]:
    """Rebuild a trained ``agent`` from its checkpoint and check that both act, explore and update alike.

    Returns the clone, the observations they act on and the update's metrics.
    """
    clone = rebuild(agent)
    obs = np.random.default_rng(0).uniform(-1, 1, (8, 2)).astype(np.float32)
    np.testing.assert_array_equal(clone.act(obs), agent.act(obs))
    np.testing.assert_array_equal(clone.explore(obs[:1], 400), agent.explore(obs[:1], 400))
    for model in (agent, clone):
        model.record(StepResult(np.ones(1), np.ones(1, bool), np.zeros(1, bool), obs[:1]))
    first, second = agent.update(0.5), clone.update(0.5)
    assert first == second
    np.testing.assert_array_equal(clone.act(obs), agent.act(obs))
    return clone, obs, first


def check_uniform_warm_up_and_update_to_data_ratio(
    agent_class: type[OffPolicyActorCritic], **tolerance: float
) -> None:
    """Warm-up actions are uniform over the env's bounds and stored in the actor's units; each update runs
    ``gradient_steps`` per ``train_freq`` env steps. ``tolerance``: stored actions against the env's ones."""
    agent = make_agent(agent_class, num_envs=4, learning_starts=8, batch_size=4, gradient_steps=2)
    obs = np.zeros((4, 3), dtype=np.float32)
    done_after = []
    for step in range(0, 12, 4):  # as the trainer drives it: explore, record, update when due
        actions = agent.explore(obs, step)
        agent.record(StepResult(np.zeros(4), np.zeros(4, bool), np.zeros(4, bool), obs))
        if agent.update_due(step + 4):
            agent.update(0.5)
        done_after.append(agent.gradient_steps_done)
    # warm-up actions fill [-2, 2]; the buffer keeps them in the actor's [-1, 1]
    assert np.abs(agent.buffer.actions[:8]).max() <= 1.0 and np.abs(agent.buffer.actions[:8]).max() > 0.5
    np.testing.assert_allclose(agent.buffer.actions[8:12] * 2.0, actions, **tolerance)
    # the first update comes at learning_starts (one train_freq period: 2 steps); then 4 env steps of
    # 4 envs give 4 periods of train_freq 1, 2 (critic) gradient steps each
    assert done_after == [0, 2, 10]
    assert not agent.update_due(12)


def check_actor_ignores_privileged_columns(agent_class: type[OffPolicyActorCritic], **fields) -> None:
    """The actor reads the ``policy`` columns only, the critics and the buffer all of them; ``fields`` must
    make the first update an actor step."""
    torch.manual_seed(0)
    agent = make_agent(agent_class, PRIVILEGED, learning_starts=0, **fields)
    obs = {"policy": np.array([[0.1, -0.2, 0.3]]), "privileged": np.array([[1.0, 2.0]], np.float32)}
    shifted = {"policy": obs["policy"], "privileged": np.array([[-5.0, 7.0]], np.float32)}
    np.testing.assert_array_equal(agent.act(obs), agent.act(shifted))
    flat, flat_shifted = agent._obs_tensor(obs), agent._obs_tensor(shifted)
    assert flat.shape == (1, 5) and agent.actor.actor_dim == 3
    action = torch.zeros(1, 2)
    assert not torch.allclose(agent.critic.q1(flat, action), agent.critic.q1(flat_shifted, action))
    agent.explore(obs, 0)
    agent.record(StepResult(np.ones(1), np.zeros(1, bool), np.ones(1, bool), shifted))
    np.testing.assert_allclose(agent.buffer.obs[0], [0.1, -0.2, 0.3, 1.0, 2.0], rtol=1e-6)
    np.testing.assert_allclose(agent.buffer.next_obs[0], [0.1, -0.2, 0.3, -5.0, 7.0], rtol=1e-6)
    metrics = agent.update(0.0)  # an actor step too: still blind to the privileged values
    assert np.isfinite(metrics["loss/critic"]) and np.isfinite(metrics["loss/actor"])
    np.testing.assert_array_equal(agent.act(obs), agent.act(shifted))


def check_rejects_discrete_and_unbounded_action_spaces(
    agent_class: type[OffPolicyActorCritic], name: str
) -> None:
    """Discrete actions point to dqn or ppo; a Box needs finite bounds. ``name``: the agent's, in messages."""
    config = agent_class.config_class()
    with pytest.raises(
        RlkitError, match=rf"agent '{name}' needs a continuous Box action space.*use dqn or ppo"
    ):
        agent_class(config, BOX, gym.spaces.Discrete(3), 1, 100, CPU, 0)
    with pytest.raises(RlkitError, match="finite action bounds"):
        agent_class(config, BOX, gym.spaces.Box(-np.inf, np.inf, (2,), np.float32), 1, 100, CPU, 0)
