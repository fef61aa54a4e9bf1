"""R2D2: value rescaling, n-step sequence targets, burn-in, masking, priorities, the replayed memory, the
evaluation policy's own memory, checkpoints, and learning a task that needs memory."""

from __future__ import annotations

import dataclasses
import io

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents.base import StepResult
from rlkit.agents.r2d2 import R2D2, R2D2Config
from rlkit.agents.r2d2.losses import (
    inverse_value_rescale,
    masked_sequence_loss,
    n_step_sequence_targets,
    sequence_priorities,
    value_rescale,
)
from rlkit.buffers.sequence_replay_buffer import SequenceBatch
from rlkit.config.loading import load_config
from rlkit.training.trainer import Trainer

OBS_DIM = 3


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Small recurrent networks run fastest on one thread (as training runs them); on a busy machine two
    threads spin and wait."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_agent(num_envs: int = 2, seed: int = 0, **overrides) -> R2D2:
    settings = {
        "burn_in": 2,
        "sequence_length": 4,
        "sequence_overlap": 1,  # a sequence every 3 steps
        "batch_size": 4,
        "n_step": 2,
        "learning_starts": 0,
        "train_freq": 1,
        "target_update_interval": 8,
        "network": {"hidden_sizes": [16]},
        "memory": {"hidden_size": 8},
        **overrides,
    }
    config = R2D2Config(**settings)
    obs_space = gym.spaces.Box(-1.0, 1.0, (OBS_DIM,), np.float32)
    return R2D2(config, obs_space, gym.spaces.Discrete(2), num_envs, 1000, torch.device("cpu"), seed)


def drive(agent: R2D2, steps: int, seed: int = 0, update: bool = False) -> tuple[list, list]:
    """Explore a random stream with terminal and time-limit ends; returns the actions and update metrics."""
    rng = np.random.default_rng(seed)
    n = agent.num_envs
    obs = rng.uniform(-1, 1, (n, OBS_DIM)).astype(np.float32)
    actions, metrics = [], []
    for _ in range(steps):
        actions.append(agent.explore(obs, agent.env_steps))
        next_obs = rng.uniform(-1, 1, (n, OBS_DIM)).astype(np.float32)
        terminated = rng.random(n) < 0.1
        truncated = ~terminated & (rng.random(n) < 0.1)
        rewards = rng.normal(size=n).astype(np.float32)
        agent.record(StepResult(rewards, terminated, truncated, next_obs))
        # After an episode ends the env resets: the next observation is a fresh one.
        obs = np.where((terminated | truncated)[:, None], rng.uniform(-1, 1, (n, OBS_DIM)), next_obs)
        obs = obs.astype(np.float32)
        if update and agent.update_due(agent.env_steps):
            metrics.append(agent.update(0.5))
    return actions, metrics


def test_value_rescaling_matches_hand_values_and_inverts() -> None:
    x = torch.tensor([0.0, 3.0, -8.0, 99.0], dtype=torch.float64)
    # h(3) = (sqrt(4) - 1) + 0.003, h(-8) = -(sqrt(9) - 1) - 0.008, h(99) = (sqrt(100) - 1) + 0.099
    expected = torch.tensor([0.0, 1.003, -2.008, 9.099], dtype=torch.float64)
    torch.testing.assert_close(value_rescale(x, 1e-3), expected)
    torch.testing.assert_close(inverse_value_rescale(expected, 1e-3), x)
    wide = torch.linspace(-5000, 5000, 1001, dtype=torch.float64)
    torch.testing.assert_close(inverse_value_rescale(value_rescale(wide)), wide)
    torch.testing.assert_close(value_rescale(inverse_value_rescale(wide / 100)), wide / 100)


def test_n_step_targets_stop_at_episode_ends_within_the_sequence() -> None:
    # gamma 0.5, n 3. Sequence 0: a terminal end at step 1; a new episode from step 2, cut off at step 3 by a
    # time limit, whose final observation is step 4 (reward 0); step 5 starts another episode.
    # Sequence 1: no end; bootstraps from V_{t+k}, k = min(3, 5 - t).
    rewards = torch.tensor([[1.0, 2, 3, 4, 0, 6], [1, 1, 1, 1, 1, 1]]).T
    terminated = torch.tensor([[0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]).T.bool()
    ends = torch.tensor([[0, 1, 0, 1, 1, 0], [0, 0, 0, 0, 0, 0]]).T.bool()
    values = torch.tensor([[10.0, 20, 30, 40, 50, 60], [0, 0, 0, 8, 16, 0]]).T
    targets, has_target = n_step_sequence_targets(rewards, terminated, ends, values, gamma=0.5, n=3)
    expected = torch.tensor(
        [
            # 1 + .5*2 (terminal: no bootstrap) | 2 | 3 + .5*4 + .25*V4 | 4 + .5*V4 | 0 + .5*V5 | none
            [2.0, 2.0, 3 + 2 + 0.25 * 50, 4 + 0.5 * 50, 0.5 * 60, 0.0],
            # 1.75 + .125*V3 | 1.75 + .125*V4 | 1.75 + .125*V5 | 1.5 + .25*V5 | 1 + .5*V5 | none
            [1.75 + 1.0, 1.75 + 2.0, 1.75, 1.5, 1.0, 0.0],
        ]
    ).T
    torch.testing.assert_close(targets, expected)
    assert has_target.T.tolist() == [[True] * 5 + [False]] * 2


def test_sequence_priority_mixes_max_and_mean_over_masked_in_steps() -> None:
    td = torch.tensor([[1.0, -3.0], [2.0, 0.0], [-5.0, 1.0]])
    mask = torch.tensor([[1, 1], [1, 1], [0, 1]])
    # sequence 0: |δ| = 1, 2 (the -5 is masked out): 0.9 * 2 + 0.1 * 1.5; sequence 1: 0.9 * 3 + 0.1 * 4/3
    priorities = sequence_priorities(td, mask, eta=0.9)
    torch.testing.assert_close(priorities, torch.tensor([1.95, 2.7 + 0.4 / 3]))
    torch.testing.assert_close(sequence_priorities(td, mask, eta=0.0), torch.tensor([1.5, 4 / 3]))


def test_masked_sequence_loss_averages_per_sequence_and_ignores_masked_steps() -> None:
    q = torch.tensor([[1.0, 0.0], [2.0, 1.0], [0.0, 0.0]])
    targets = torch.tensor([[2.0, 0.0], [2.0, 3.0], [7.0, 0.0]])
    mask = torch.tensor([[1, 1], [1, 1], [0, 0]])
    # mse per step: seq 0 (1, 0) -> mean 0.5; seq 1 (0, 4) -> mean 2; weights 1 and 0.5: (0.5 + 1) / 2
    loss, td = masked_sequence_loss(q, targets, mask, torch.tensor([1.0, 0.5]), "mse")
    assert float(loss) == pytest.approx(0.75)
    assert td.tolist() == [[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]
    q2, targets2 = q.clone(), targets.clone()
    q2[2], targets2[2] = float("nan"), 1e6
    loss2, td2 = masked_sequence_loss(q2, targets2, mask, torch.tensor([1.0, 0.5]), "mse")
    assert float(loss2) == pytest.approx(0.75)
    assert td2[2].tolist() == [0.0, 0.0]


def sample_batch(agent: R2D2) -> SequenceBatch:
    drive(agent, 40)
    agent.envs_reset()
    return agent.buffer.gather(np.arange(len(agent.buffer)))


def test_burn_in_gets_no_gradient_and_is_outside_the_loss() -> None:
    agent = make_agent(burn_in=2, sequence_length=4)
    batch = sample_batch(agent)
    obs = batch.obs.clone().requires_grad_(True)
    loss, _, _ = agent.sequence_loss(dataclasses.replace(batch, obs=obs))
    loss.backward()
    assert obs.grad[:2].abs().sum() == 0  # the burn-in runs without gradient
    assert obs.grad[2:].abs().sum() > 0
    # Its actions and rewards do not enter the loss (targets only look forward from the trained steps).
    burn_in = torch.zeros_like(batch.mask)
    burn_in[:2] = True
    changed = dataclasses.replace(
        batch,
        actions=torch.where(burn_in, 1 - batch.actions, batch.actions),
        rewards=batch.rewards + 100.0 * burn_in.float(),
    )
    with torch.no_grad():
        torch.testing.assert_close(agent.sequence_loss(changed)[0], loss.detach())
        # ...while the burn-in's observations do shape the memory the trained steps start from.
        moved = dataclasses.replace(batch, obs=torch.cat([batch.obs[:2] + 1.0, batch.obs[2:]]))
        assert not torch.allclose(agent.sequence_loss(moved)[0], loss.detach())


def test_padded_and_final_observation_steps_contribute_nothing() -> None:
    agent = make_agent(num_envs=1, burn_in=1, sequence_length=5, sequence_overlap=1, n_step=3)
    rng = np.random.default_rng(3)
    agent.envs_reset()
    for t in range(8):  # 8 steps: one full sequence, then a short one closed by envs_reset and padded
        obs = rng.uniform(-1, 1, (1, OBS_DIM)).astype(np.float32)
        agent.explore(obs, t)
        agent.record(StepResult(np.ones(1, np.float32), np.zeros(1, bool), np.array([t == 3]), obs + 0.5))
    agent.envs_reset()
    batch = agent.buffer.gather(np.arange(len(agent.buffer)))
    masked = ~batch.mask
    # Padding follows the data's end; a final observation (also masked out) ends an episode and is
    # bootstrapped from, so only its action and reward are free.
    padding = masked & ~batch.ends
    assert padding.any() and (masked & batch.ends).any() and batch.mask.any()
    with torch.no_grad():
        loss = agent.sequence_loss(batch)[0]
        changed = dataclasses.replace(
            batch,
            obs=batch.obs + 3.0 * padding.float().unsqueeze(-1),
            actions=torch.where(masked, 1 - batch.actions, batch.actions),
            rewards=batch.rewards + 50.0 * masked.float(),
        )
        torch.testing.assert_close(agent.sequence_loss(changed)[0], loss)
        # The same changes on a trained step do change the loss.
        trained = dataclasses.replace(batch, rewards=batch.rewards + 50.0 * batch.mask.float())
        assert not torch.allclose(agent.sequence_loss(trained)[0], loss)


def test_replayed_sequences_reproduce_the_q_values_of_acting() -> None:
    """The stored memory, start flags and final observations let the learner redo the actor's computation."""
    agent = make_agent(num_envs=2, burn_in=0, sequence_length=5, sequence_overlap=2)
    rng = np.random.default_rng(1)
    acting_q: dict[float, torch.Tensor] = {}
    obs = rng.uniform(-1, 1, (2, OBS_DIM)).astype(np.float32)
    agent.envs_reset()
    for t in range(30):
        q, after = agent._step(obs, agent._memory, agent._starts)
        for env in range(2):
            acting_q[float(obs[env, 0])] = q[env]
        agent.explore(obs, t)
        next_obs = rng.uniform(-1, 1, (2, OBS_DIM)).astype(np.float32)
        terminated, truncated = np.array([t % 7 == 6, False]), np.array([False, t % 5 == 4])
        # A cut-off episode's final observation (time limit, or the reset at the end) is replayed with the
        # episode's memory, as the actor would have seen it.
        final_q, _ = agent._step(next_obs, after, np.zeros(2, dtype=bool))
        for env in np.flatnonzero(~terminated):
            acting_q[float(next_obs[env, 0])] = final_q[env]
        agent.record(StepResult(np.zeros(2, np.float32), terminated, truncated, next_obs))
        ends = terminated | truncated
        obs = np.where(ends[:, None], rng.uniform(-1, 1, (2, OBS_DIM)), next_obs).astype(np.float32)
    agent.envs_reset()
    batch = agent.buffer.gather(np.arange(len(agent.buffer)))
    with torch.no_grad():
        q, _ = agent.q_network(batch.obs, batch.states, batch.starts)
    checked = 0
    for t, b in zip(*np.nonzero(batch.obs[..., 0].numpy()), strict=True):
        torch.testing.assert_close(q[t, b], acting_q[float(batch.obs[t, b, 0])])
        checked += 1
    assert checked > 60 and (~batch.mask).any()


def test_evaluation_policy_has_its_own_memory() -> None:
    agent = make_agent(num_envs=2)
    drive(agent, 5)
    training_memory = [m.clone() for m in agent._memory]
    policy = agent.make_policy(deterministic=True)
    rng = np.random.default_rng(2)
    first = rng.uniform(-1, 1, (3, OBS_DIM)).astype(np.float32)
    fresh = policy(first, np.ones(3, dtype=bool))
    assert np.array_equal(fresh, agent.act(first))  # act() acts from an empty memory too
    for _ in range(4):
        policy(rng.uniform(-1, 1, (3, OBS_DIM)).astype(np.float32), np.zeros(3, dtype=bool))
    policy_memory = [m.clone() for m in policy.memory]
    assert all(m.abs().sum() > 0 for m in policy_memory)
    assert all(torch.equal(a, b) for a, b in zip(agent._memory, training_memory, strict=True))
    drive(agent, 3, seed=5)  # training does not move the policy's memory either
    assert all(torch.equal(a, b) for a, b in zip(policy.memory, policy_memory, strict=True))
    q_fresh, _ = agent._step(first, agent.q_network.initial_state(3), np.ones(3, dtype=bool))
    q_wiped, _ = agent._step(first, policy.memory, np.ones(3, dtype=bool))
    torch.testing.assert_close(q_wiped, q_fresh)  # a start wipes the memory exactly


def test_state_dict_round_trip_gives_the_same_actions_and_updates() -> None:
    original = make_agent(num_envs=2, seed=0)
    drive(original, 30, seed=0, update=True)
    saved = io.BytesIO()
    torch.save(original.state_dict(), saved)
    saved.seek(0)
    restored = make_agent(num_envs=2, seed=7)
    restored.load_state_dict(torch.load(saved, weights_only=True))
    actions_a, metrics_a = drive(original, 25, seed=1, update=True)
    actions_b, metrics_b = drive(restored, 25, seed=1, update=True)
    assert metrics_a and metrics_a == metrics_b
    assert all(np.array_equal(a, b) for a, b in zip(actions_a, actions_b, strict=True))


QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "train.target_return=null"]


def test_r2d2_learns_to_recall_the_cue(tmp_path) -> None:
    config = load_config(
        "cartpole-r2d2",
        [
            *QUIET,
            "env.id=tests.agents.memory_env:CueRecall",
            "env.sensors.observed=null",
            "rollout.num_envs=4",
            "train.total_steps=3000",
            "train.seed=0",
            "agent.learning_starts=400",
            "agent.burn_in=2",
            "agent.sequence_length=6",
            "agent.sequence_overlap=2",
            "agent.n_step=4",
            "agent.batch_size=32",
            "agent.train_freq=4",
            "agent.target_update_interval=50",  # gradient steps: every 200 env steps
            "agent.exploration_fraction=0.3",
            # Returns lie in [0, 1]: rescaling would only shrink the TD errors (and slow learning down).
            "agent.value_rescaling=false",
            "agent.memory.hidden_size=32",
            "agent.network.hidden_sizes=[32]",
            "eval.episodes=32",
        ],
    )
    trainer = Trainer(config, tmp_path)
    trainer.run()
    assert trainer.evaluate()["mean_return"] >= 0.9  # a memoryless policy gets 0.5


def one_episode(agent: R2D2, steps: int) -> None:
    """``steps`` steps of one running episode in every env, the step index as the observation, reward 0."""
    n = agent.num_envs
    for t in range(steps):
        agent.explore(np.full((n, OBS_DIM), t, dtype=np.float32), agent.env_steps)
        no = np.zeros(n, bool)
        agent.record(StepResult(np.zeros(n, np.float32), no, no, np.full((n, OBS_DIM), t + 1, np.float32)))


def test_paper_defaults_start_a_sequence_every_40_stored_steps() -> None:
    config = R2D2Config()
    assert (config.burn_in, config.sequence_length, config.target_update_interval) == (40, 80, 2500)
    agent = make_agent(
        num_envs=1, burn_in=40, sequence_length=80, sequence_overlap=R2D2Config().sequence_overlap
    )
    one_episode(agent, 300)
    first_steps = agent.buffer.storage.obs[: len(agent.buffer), 0, 0].astype(int).tolist()
    assert first_steps == [0, 40, 80, 120, 160]  # 40 burn-in + 80 trained + 1 bootstrap step: 0-120, ...
    assert agent.buffer.length == 121


def test_every_trained_step_of_a_window_gets_a_loss_the_last_one_too() -> None:
    agent = make_agent(num_envs=1, burn_in=2, sequence_length=4, sequence_overlap=2, n_step=1)
    one_episode(agent, 12)
    batch = agent.buffer.gather(np.array([0]))  # steps 0-6: burn-in 0-1, trained 2-5, bootstrap 6
    assert bool(batch.mask.all())
    with torch.no_grad():
        loss = agent.sequence_loss(batch)[0]
        # With n = 1 a step's reward enters its own target only: it changes the loss iff the step is trained.
        trained = []
        for step in range(len(batch.rewards)):
            rewards = batch.rewards.clone()
            rewards[step] += 10.0
            if agent.sequence_loss(dataclasses.replace(batch, rewards=rewards))[0] != loss:
                trained.append(step)
    assert trained == [2, 3, 4, 5]
    assert batch.obs[:, 0, 0].tolist() == list(range(7))


def test_target_network_follows_learner_updates_not_env_steps() -> None:
    agent = make_agent(num_envs=2, target_update_interval=3, train_freq=2)
    copies = []
    for _ in range(30):
        drive(agent, 1, update=True)
        same = all(
            torch.equal(a, b)
            for a, b in zip(agent.q_network.parameters(), agent.target_network.parameters(), strict=True)
        )
        copies.append((agent.gradient_steps_done, same))
    updated = [steps for steps, same in copies if same and steps > 0]
    assert updated and all(steps % 3 == 0 for steps in updated)
    assert any(steps % 3 != 0 for steps, _ in copies)
