"""SAC: hand-checked losses, the tanh log-prob correction, learning a toy task, checkpoints, privileged
observations and the action spaces it accepts."""

from __future__ import annotations

import io
import math
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from agents import StepResult
from agents.sac import SAC, SACConfig
from agents.sac.losses import actor_loss, critic_loss, entropy_coef_loss, soft_q_target
from rlkit.config.loading import load_config
from rlkit.errors import RlkitError
from rlkit.nn.distributions import DiagGaussian
from rlkit.train.trainer import Trainer

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


def make_agent(observation_space: gym.Space = BOX, num_envs: int = 1, seed: int = 0, **fields) -> SAC:
    config = SACConfig(network={"hidden_sizes": [16, 16], "activation": "relu"}, **fields)
    return SAC(config, observation_space, ACTIONS, num_envs, 10_000, CPU, seed)


def test_soft_q_target_bootstraps_the_smaller_critic_minus_the_entropy_term() -> None:
    target = soft_q_target(
        rewards=torch.tensor([1.0, -0.5]),
        next_q1=torch.tensor([2.0, 4.0]),
        next_q2=torch.tensor([3.0, 1.0]),
        next_log_probs=torch.tensor([-1.0, 0.5]),
        terminated=torch.tensor([0.0, 1.0]),
        gamma=0.9,
        alpha=0.2,
    )
    # 1 + 0.9·(min(2, 3) - 0.2·(-1)) = 1 + 0.9·2.2; the terminal transition keeps its reward only.
    torch.testing.assert_close(target, torch.tensor([2.98, -0.5]))


def test_critic_loss_fits_both_critics_to_one_target() -> None:
    q1 = torch.tensor([1.0, 2.0], requires_grad=True)
    q2 = torch.tensor([0.0, 4.0], requires_grad=True)
    loss, info = critic_loss(q1, q2, torch.tensor([2.0, 3.0]))
    # ½ (mean(1, 1) + mean(4, 1)) = ½ (1 + 2.5)
    assert loss.item() == pytest.approx(1.75)
    assert info["q_mean"].item() == pytest.approx(1.75)
    loss.backward()
    torch.testing.assert_close(q1.grad, torch.tensor([-0.5, -0.5]))  # ½ · 2 (q - y) / 2
    torch.testing.assert_close(q2.grad, torch.tensor([-1.0, 0.5]))


def test_actor_loss_trades_entropy_against_the_smaller_critic() -> None:
    log_probs = torch.tensor([-1.0, 2.0], requires_grad=True)
    q1 = torch.tensor([3.0, 0.0], requires_grad=True)
    q2 = torch.tensor([1.0, 5.0], requires_grad=True)
    loss, info = actor_loss(log_probs, q1, q2, alpha=0.5)
    # mean(0.5·(-1) - 1, 0.5·2 - 0) = mean(-1.5, 1)
    assert loss.item() == pytest.approx(-0.25)
    assert info["entropy"].item() == pytest.approx(-0.5)
    loss.backward()
    torch.testing.assert_close(q1.grad, torch.tensor([0.0, -0.5]))  # only where Q1 is the minimum
    torch.testing.assert_close(q2.grad, torch.tensor([-0.5, 0.0]))
    torch.testing.assert_close(log_probs.grad, torch.tensor([0.25, 0.25]))


def test_entropy_coefficient_falls_when_the_policy_is_more_random_than_the_target() -> None:
    log_alpha = torch.tensor([math.log(2.0)], requires_grad=True)
    loss, info = entropy_coef_loss(log_alpha, torch.tensor([-1.0, -3.0]), target_entropy=-1.0)
    # -ln 2 · mean(-1 - 1, -3 - 1) = 3 ln 2
    assert loss.item() == pytest.approx(3 * math.log(2.0))
    assert info["ent_coef"].item() == pytest.approx(2.0)
    loss.backward()
    # d/d log α = entropy (2) - target (-1) = 3 > 0: gradient descent lowers α.
    torch.testing.assert_close(log_alpha.grad, torch.tensor([3.0]))


def test_squashed_log_prob_matches_a_numerical_density_of_tanh_of_a_gaussian() -> None:
    mean, log_std = (
        torch.tensor([0.3, -0.8], dtype=torch.float64),
        torch.tensor([-0.5, 0.4], dtype=torch.float64),
    )
    dist = DiagGaussian(mean, log_std, squash=True)
    normal = torch.distributions.Normal(mean, log_std.exp())
    for action in ([0.1, -0.5], [0.9, 0.95], [-0.99, 0.0]):
        a = torch.tensor(action, dtype=torch.float64)
        h = 1e-6
        # density of a = tanh(u): P(a - h < A < a + h) / 2h through the Gaussian CDF, per dimension
        probability = normal.cdf(torch.atanh(a + h)) - normal.cdf(torch.atanh(a - h))
        numeric = torch.log(probability / (2 * h)).sum()
        assert dist.log_prob(a).item() == pytest.approx(numeric.item(), abs=1e-5)
    # The one-pass sample_with_log_prob agrees with log_prob of the same sample.
    actions, log_probs = dist.sample_with_log_prob(torch.Generator().manual_seed(0))
    torch.testing.assert_close(log_probs, dist.log_prob(actions))


def test_sac_learns_to_reach_targets(tmp_path: Path) -> None:
    config, _ = load_config("pendulum-sac", [*QUIET, *TOY, "train.total_steps=1500"])
    trainer = Trainer(config, tmp_path)
    trainer.run()
    # A uniformly random policy scores about -10/3; reaching the target exactly scores 0.
    assert trainer.evaluate()["mean_return"] > -0.05


def rebuild(agent: SAC) -> SAC:
    """A new agent from a checkpoint of ``agent`` loaded as rlkit loads checkpoints (no pickle)."""
    buffer = io.BytesIO()
    torch.save(agent.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    clone = SAC(
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


def test_checkpoint_round_trip_gives_identical_actions_and_updates(tmp_path: Path) -> None:
    config, _ = load_config(
        "pendulum-sac", [*QUIET, *TOY, "train.total_steps=400", "agent.learning_starts=100"]
    )
    trainer = Trainer(config, tmp_path)
    trainer.run()
    agent = trainer.agent
    assert agent.gradient_steps_done == 301 and agent.alpha.item() != 1.0  # log α was tuned
    clone = rebuild(agent)
    obs = np.random.default_rng(0).uniform(-1, 1, (8, 2)).astype(np.float32)
    np.testing.assert_array_equal(clone.act(obs), agent.act(obs))
    np.testing.assert_array_equal(clone.explore(obs[:1], 400), agent.explore(obs[:1], 400))
    for model in (agent, clone):
        model.record(StepResult(np.ones(1), np.ones(1, bool), np.zeros(1, bool), obs[:1]))
    first, second = agent.update(0.5), clone.update(0.5)
    assert first == second
    assert {"loss/critic", "loss/actor", "loss/ent_coef", "policy/ent_coef"} <= set(first)
    np.testing.assert_array_equal(clone.act(obs), agent.act(obs))


def test_uniform_warm_up_is_rescaled_to_the_bounds_and_updates_keep_the_update_to_data_ratio() -> None:
    agent = make_agent(num_envs=4, learning_starts=8, batch_size=4, gradient_steps=2)
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
    np.testing.assert_allclose(agent.buffer.actions[8:12] * 2.0, actions, rtol=1e-6)
    # the first update comes at learning_starts (one train_freq period: 2 steps); then 4 env steps of
    # 4 envs give 4 periods of train_freq 1, 2 gradient steps each
    assert done_after == [0, 2, 10]
    assert not agent.update_due(12)


PRIVILEGED = gym.spaces.Dict(
    {
        "policy": gym.spaces.Box(-np.inf, np.inf, (3,), np.float64),
        "privileged": gym.spaces.Box(-np.inf, np.inf, (2,), np.float32),
    }
)


def test_actor_ignores_privileged_columns_and_critics_read_them() -> None:
    torch.manual_seed(0)
    agent = make_agent(PRIVILEGED, learning_starts=0)
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
    assert np.isfinite(agent.update(0.0)["loss/critic"])


def test_fixed_entropy_coefficient_is_not_tuned() -> None:
    agent = make_agent(learning_starts=0, batch_size=2, ent_coef=0.1)
    obs = np.zeros((1, 3), dtype=np.float32)
    agent.explore(obs, 0)
    agent.record(StepResult(np.ones(1), np.ones(1, bool), np.zeros(1, bool), obs))
    metrics = agent.update(0.0)
    assert "loss/ent_coef" not in metrics and metrics["policy/ent_coef"] == pytest.approx(0.1)
    assert agent.alpha.item() == pytest.approx(0.1)


def test_discrete_and_unbounded_action_spaces_are_rejected() -> None:
    config = SACConfig()
    with pytest.raises(RlkitError, match=r"agent 'sac' needs a continuous Box action space.*use dqn or ppo"):
        SAC(config, BOX, gym.spaces.Discrete(3), 1, 100, CPU, 0)
    with pytest.raises(RlkitError, match="finite action bounds"):
        SAC(config, BOX, gym.spaces.Box(-np.inf, np.inf, (2,), np.float32), 1, 100, CPU, 0)
