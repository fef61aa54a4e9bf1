"""GAE on a worked 4-step example with a truncation and a termination."""

import pytest
import torch

from rlkit.agents.returns import generalized_advantage_estimate
from rlkit.buffers.rollout_buffer import RolloutBuffer

# γ = 0.9, λ = 0.8, one env. The episode is truncated after step 1 (V(final obs) = 10), a new episode
# starts at step 2 and terminates after step 3 (so its bootstrap value 7 must be ignored).
#   next_values = [V1, V(final), V3, 7] = [1.0, 10.0, 2.0, 7.0]
#   δ0 = 1 + 0.9·1.0 − 0.5 = 1.4       δ1 = 2 + 0.9·10 − 1.0 = 10.0
#   δ2 = 3 + 0.9·2.0 − 1.5 = 3.3       δ3 = 4 + 0 − 2.0 = 2.0            (terminal: no bootstrap)
#   A3 = 2.0   A2 = 3.3 + 0.72·2.0 = 4.74   A1 = 10.0 (episode ended: no A2 term)   A0 = 1.4 + 0.72·10 = 8.6
REWARDS = [1.0, 2.0, 3.0, 4.0]
VALUES = [0.5, 1.0, 1.5, 2.0]
TERMINATED = [0.0, 0.0, 0.0, 1.0]
DONES = [0.0, 1.0, 0.0, 1.0]
EXPECTED_ADVANTAGES = [8.6, 10.0, 4.74, 2.0]
EXPECTED_RETURNS = [9.1, 11.0, 6.24, 4.0]


def column(values: list[float]) -> torch.Tensor:
    return torch.tensor(values).unsqueeze(1)


def test_gae_worked_example_with_truncation() -> None:
    advantages, returns = generalized_advantage_estimate(
        column(REWARDS),
        column(VALUES),
        column([1.0, 10.0, 2.0, 7.0]),
        column(TERMINATED),
        column(DONES),
        gamma=0.9,
        gae_lambda=0.8,
    )
    assert advantages.squeeze(1).tolist() == pytest.approx(EXPECTED_ADVANTAGES)
    assert returns.squeeze(1).tolist() == pytest.approx(EXPECTED_RETURNS)


def test_rollout_buffer_bootstraps_truncation_from_final_observation_value() -> None:
    buffer = RolloutBuffer(4, 1, (2,), (), torch.long, torch.device("cpu"))
    truncation_values = [0.0, 10.0, 0.0, 0.0]
    for t in range(4):
        buffer.add(
            torch.zeros(1, 2),
            torch.zeros(1, dtype=torch.long),
            torch.zeros(1),
            torch.tensor([VALUES[t]]),
            torch.tensor([REWARDS[t]]),
            torch.tensor([TERMINATED[t]]),
            torch.tensor([DONES[t]]),
            torch.tensor([truncation_values[t]]),
        )
    assert buffer.full
    next_values = buffer.next_values(torch.tensor([7.0]))
    assert next_values.squeeze(1).tolist() == pytest.approx([1.0, 10.0, 2.0, 7.0])
    advantages, _ = generalized_advantage_estimate(
        buffer.rewards, buffer.values, next_values, buffer.terminated, buffer.dones, 0.9, 0.8
    )
    assert advantages.squeeze(1).tolist() == pytest.approx(EXPECTED_ADVANTAGES)


def test_gae_lambda_one_is_discounted_return_minus_value() -> None:
    rewards = torch.tensor([[1.0], [1.0], [1.0]])
    values = torch.tensor([[0.2], [0.1], [0.3]])
    zeros = torch.zeros(3, 1)
    advantages, returns = generalized_advantage_estimate(
        rewards, values, torch.tensor([[0.1], [0.3], [5.0]]), zeros, zeros, gamma=0.5, gae_lambda=1.0
    )
    # Monte Carlo return bootstrapped at the end: 1 + 0.5·1 + 0.25·1 + 0.125·5 = 2.375
    assert returns[0].item() == pytest.approx(2.375)
    assert advantages[0].item() == pytest.approx(2.375 - 0.2)
