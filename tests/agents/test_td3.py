"""TD3: the hand-checked target, target policy smoothing, delayed actor updates, Polyak averaging, learning
a toy task, checkpoints, privileged observations and the action spaces it accepts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from rlkit.agents import StepResult
from rlkit.agents.q_critics import polyak_update
from rlkit.agents.td3 import TD3
from rlkit.agents.td3.losses import clipped_double_q_target, deterministic_actor_loss, smoothed_target_actions
from tests.agents.off_policy_helpers import (
    check_actor_ignores_privileged_columns,
    check_checkpoint_round_trip,
    check_rejects_discrete_and_unbounded_action_spaces,
    check_uniform_warm_up_and_update_to_data_ratio,
    make_agent,
    train_on_toy,
)

THREADS = "train.torch_threads=1"


def fill(agent: TD3, transitions: int) -> None:
    """Random transitions in the buffer, as the trainer would record them."""
    rng = np.random.default_rng(1)
    for _ in range(transitions):
        obs = rng.uniform(-1, 1, (1, 3)).astype(np.float32)
        agent.explore(obs, 0)
        agent.record(StepResult(rng.normal(size=1), np.zeros(1, bool), np.zeros(1, bool), obs))


def snapshot(module: nn.Module) -> list[torch.Tensor]:
    return [parameter.detach().clone() for parameter in module.parameters()]


def unchanged(module: nn.Module, before: list[torch.Tensor]) -> bool:
    return all(torch.equal(now, then) for now, then in zip(module.parameters(), before, strict=True))


def test_target_bootstraps_the_smaller_target_critic_except_at_terminals() -> None:
    target = clipped_double_q_target(
        rewards=torch.tensor([1.0, -0.5, 0.0]),
        next_q1=torch.tensor([2.0, 4.0, -3.0]),
        next_q2=torch.tensor([3.0, 1.0, -1.0]),
        terminated=torch.tensor([0.0, 1.0, 0.0]),
        gamma=0.9,
    )
    # 1 + 0.9·min(2, 3); the terminal transition keeps its reward only; 0 + 0.9·min(-3, -1)
    torch.testing.assert_close(target, torch.tensor([2.8, -0.5, -2.7]))


def test_smoothing_noise_is_clipped_and_the_smoothed_action_kept_in_bounds() -> None:
    actions = torch.tensor([[0.0, 0.9], [-0.8, 0.2]])
    noise = torch.tensor([[0.7, 0.3], [-0.2, -0.1]])
    smoothed = smoothed_target_actions(actions, noise, noise_clip=0.5)
    # 0 + clip(0.7) = 0.5; 0.9 + 0.3 = 1.2 → 1; -0.8 - 0.2 = -1; 0.2 - 0.1 = 0.1
    torch.testing.assert_close(smoothed, torch.tensor([[0.5, 1.0], [-1.0, 0.1]]))


def test_agent_smooths_target_actions_within_the_noise_clip() -> None:
    agent = make_agent(TD3, target_policy_noise=100.0, target_noise_clip=0.3)
    with torch.no_grad():  # target actions near the bounds and in the middle
        agent.actor_target.output.bias.copy_(torch.tensor([2.0, 0.0]))
    next_obs = torch.zeros(2000, 3)
    with torch.no_grad():
        clean, smoothed = agent.actor_target(next_obs), agent._target_actions(next_obs)
    offset = smoothed - clean
    assert offset.abs().max() <= 0.3 + 1e-6 and smoothed.abs().max() <= 1.0
    # noise of std 100 nearly always hits the clip: both ±0.3 in the middle, only -0.3 near the top bound
    assert torch.isclose(offset[:, 1].abs(), torch.tensor(0.3)).float().mean() > 0.99
    assert (smoothed[:, 0] == 1.0).any() and torch.isclose(offset[:, 0], torch.tensor(-0.3)).any()


def test_actor_loss_follows_the_first_critic_only() -> None:
    q1 = torch.tensor([3.0, -1.0], requires_grad=True)
    loss, info = deterministic_actor_loss(q1)
    assert loss.item() == pytest.approx(-1.0)  # -mean(3, -1)
    assert info["q_pi"].item() == pytest.approx(1.0)
    loss.backward()
    torch.testing.assert_close(q1.grad, torch.tensor([-0.5, -0.5]))


def test_polyak_update_moves_the_target_a_fraction_tau_towards_the_source() -> None:
    target, source = nn.Linear(2, 1), nn.Linear(2, 1)
    with torch.no_grad():
        target.weight.copy_(torch.tensor([[1.0, -2.0]]))
        target.bias.fill_(4.0)
        source.weight.copy_(torch.tensor([[3.0, 2.0]]))
        source.bias.fill_(0.0)
    polyak_update(target, source, tau=0.25)
    # 0.75·θ' + 0.25·θ
    torch.testing.assert_close(target.weight, torch.tensor([[1.5, -1.0]]))
    torch.testing.assert_close(target.bias, torch.tensor([3.0]))
    torch.testing.assert_close(source.weight, torch.tensor([[3.0, 2.0]]))  # the source is left alone


def test_actor_and_targets_move_only_every_policy_delay_critic_steps() -> None:
    agent = make_agent(TD3, learning_starts=0, batch_size=8, policy_delay=3, tau=0.1)
    fill(agent, 16)
    for step in range(1, 7):
        actor, critic = snapshot(agent.actor), snapshot(agent.critic)
        actor_target, critic_target = snapshot(agent.actor_target), snapshot(agent.critic_target)
        metrics = agent._gradient_step()
        assert not unchanged(agent.critic, critic) and "loss/critic" in metrics
        delayed = step % 3 == 0
        assert unchanged(agent.actor, actor) is not delayed
        assert unchanged(agent.actor_target, actor_target) is not delayed
        assert unchanged(agent.critic_target, critic_target) is not delayed
        assert ("loss/actor" in metrics) is delayed
        if delayed:  # the targets average towards the networks just updated
            for new_target, old_target, online in zip(
                agent.actor_target.parameters(), actor_target, agent.actor.parameters(), strict=True
            ):
                torch.testing.assert_close(new_target, 0.9 * old_target + 0.1 * online)
    assert agent.gradient_steps_done == 6


def test_update_repeats_the_latest_actor_metrics_between_actor_steps() -> None:
    agent = make_agent(TD3, learning_starts=16, batch_size=8, policy_delay=2)
    fill(agent, 16)
    first = agent.update(0.1)  # critic step 1 of 2: no actor step yet
    assert "loss/actor" not in first and "loss/critic" in first
    fill(agent, 1)
    second = agent.update(0.2)  # step 2: the actor's
    fill(agent, 1)
    third = agent.update(0.3)  # step 3: the critics only
    assert agent.gradient_steps_done == 3
    assert second["loss/actor"] == third["loss/actor"] and second["loss/critic"] != third["loss/critic"]


def test_exploration_noise_is_scaled_to_the_action_range() -> None:
    agent = make_agent(TD3, learning_starts=0, exploration_noise=0.1)
    with torch.no_grad():
        agent.actor.output.weight.zero_()
        agent.actor.output.bias.zero_()  # μ(s) = 0: the middle of [-2, 2]
    actions = agent.explore(np.zeros((20_000, 3), np.float32), 0)
    # σ = 0.1 of the half range (2) in env units; the buffer keeps the actor's units
    np.testing.assert_allclose(actions.std(axis=0), [0.2, 0.2], rtol=0.03)
    np.testing.assert_allclose(actions.mean(axis=0), [0.0, 0.0], atol=0.01)
    assert agent._pending is not None and agent._pending.actions.std() == pytest.approx(0.1, rel=0.03)
    np.testing.assert_array_equal(agent.act(np.zeros((3, 3), np.float32)), np.zeros((3, 2)))


def test_td3_learns_to_reach_targets(tmp_path: Path) -> None:
    trainer = train_on_toy("pendulum-td3", tmp_path, THREADS, "train.total_steps=1500")
    # A uniformly random policy scores about -10/3; reaching the target exactly scores 0.
    assert trainer.evaluate()["mean_return"] > -0.05


def test_checkpoint_round_trip_gives_identical_actions_and_updates(tmp_path: Path) -> None:
    trainer = train_on_toy(
        "pendulum-td3", tmp_path, THREADS, "train.total_steps=400", "agent.learning_starts=100"
    )
    agent = trainer.agent
    assert agent.gradient_steps_done == 301
    clone, obs, metrics = check_checkpoint_round_trip(agent)  # step 302: an actor step
    assert {"loss/critic", "loss/actor", "value/q_mean", "value/q_pi"} <= set(metrics)
    for model in (agent, clone):
        model.explore(obs[:1], 401)
        model.record(StepResult(np.ones(1), np.ones(1, bool), np.zeros(1, bool), obs[:1]))
    assert agent.update(0.6) == clone.update(0.6)  # step 303: the critics only
    np.testing.assert_array_equal(clone.act(obs), agent.act(obs))
    for ours, theirs in zip(agent.actor_target.parameters(), clone.actor_target.parameters(), strict=True):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=0)


def test_uniform_warm_up_is_rescaled_to_the_bounds_and_updates_keep_the_update_to_data_ratio() -> None:
    check_uniform_warm_up_and_update_to_data_ratio(TD3, atol=1e-6)


def test_actor_ignores_privileged_columns_and_critics_read_them() -> None:
    check_actor_ignores_privileged_columns(TD3, policy_delay=1)


def test_discrete_and_unbounded_action_spaces_are_rejected() -> None:
    check_rejects_discrete_and_unbounded_action_spaces(TD3, "td3")
