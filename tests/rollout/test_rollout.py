"""Running statistics, the replay buffer, and the vector env's autoreset contract."""

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.buffers.replay_buffer import ReplayBuffer
from rlkit.config.schema import EnvConfig
from rlkit.nn.normalization import ObservationNormalizer, ReturnNormalizer, RunningMeanStd
from rlkit.rollout.vector_env import final_observations, make_vector_env


def test_running_mean_std_matches_numpy_over_batches() -> None:
    data = np.random.default_rng(0).normal(3.0, 2.0, size=(1000, 3))
    stats = RunningMeanStd((3,), epsilon=0.0)
    for chunk in np.array_split(data, 7):
        stats.update(torch.as_tensor(chunk))
    np.testing.assert_allclose(stats.mean.numpy(), data.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(stats.var.numpy(), data.var(axis=0), rtol=1e-10)


def test_observation_normalizer_standardizes_and_clips() -> None:
    normalizer = ObservationNormalizer((1,), clip=2.0)
    normalizer.stats.update(torch.tensor([[0.0], [2.0]]))  # mean ≈ 1, var ≈ 1
    out = normalizer(torch.tensor([[1.0], [2.0], [100.0]]))
    assert out.squeeze(1).tolist() == pytest.approx([0.0, 1.0, 2.0], abs=1e-3)


def test_return_normalizer_scales_by_return_std_and_resets_on_done() -> None:
    normalizer = ReturnNormalizer(num_envs=1, gamma=0.0)
    for reward in (1.0, 3.0, 1.0, 3.0):  # γ = 0: the "return" is the reward, std → 1
        scaled = normalizer(torch.tensor([reward]), torch.tensor([False]))
    assert scaled.item() == pytest.approx(3.0 / normalizer.stats.var.sqrt().item(), rel=1e-5)
    normalizer = ReturnNormalizer(num_envs=2, gamma=0.5)
    normalizer(torch.tensor([1.0, 1.0]), torch.tensor([True, False]))
    assert normalizer.returns.tolist() == [0.0, 1.0]


def test_replay_buffer_overwrites_oldest_and_round_trips() -> None:
    buffer = ReplayBuffer(4, (2,), np.float32, (), np.int64, torch.device("cpu"), seed=0)
    for i in range(6):
        obs = np.full((1, 2), i, dtype=np.float32)
        buffer.add(obs, np.array([i]), np.array([float(i)]), obs + 1, np.array([0.0]))
    assert len(buffer) == 4
    assert sorted(buffer.rewards.tolist()) == [2.0, 3.0, 4.0, 5.0]
    batch = buffer.sample(64)
    assert batch.obs.shape == (64, 2) and batch.obs.dtype == torch.float32
    assert torch.equal(batch.next_obs, batch.obs + 1)
    assert torch.equal(batch.rewards, batch.obs[:, 0])
    clone = ReplayBuffer(4, (2,), np.float32, (), np.int64, torch.device("cpu"), seed=99)
    clone.load_state_dict(buffer.state_dict())
    assert torch.equal(clone.sample(16).rewards, buffer.sample(16).rewards)


def test_vector_env_same_step_autoreset_gives_final_observation() -> None:
    env = make_vector_env(EnvConfig(id="CartPole-v1", max_episode_steps=5), num_envs=2)
    _obs, _ = env.reset(seed=[0, 1])
    for _ in range(5):
        next_obs, _, terminated, truncated, infos = env.step(np.zeros(2, dtype=np.int64))
        dones = terminated | truncated
        if dones.any():
            break
    real = final_observations(next_obs, infos, dones)
    index = int(np.flatnonzero(dones)[0])
    assert np.array_equal(real[index], infos["final_obs"][index])
    assert not np.array_equal(real[index], next_obs[index])  # the reset observation was replaced
    assert env.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP
