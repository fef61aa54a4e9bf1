"""MAPPO's value normalization (ValueNorm) and Huber value loss, on hand-computed numbers and in PPO."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rlkit.agents.ppo import PPO
from rlkit.agents.ppo import agent as ppo_agent
from rlkit.agents.recurrent_ppo import RecurrentPPO
from rlkit.nn.normalization import ValueNormalizer
from tests.agents.test_policy_gradient_agents import NUM_ENVS, collect
from tests.agents.test_ppo_kl_stop import make_ppo


def test_value_normalizer_worked_example() -> None:
    normalizer = ValueNormalizer(beta=0.5)
    normalizer.update(torch.tensor([1.0, 3.0]))
    # moments 2 and 5 weighted 0.5, debiasing term 0.5: mean 2, variance 5 - 4 = 1
    mean, var = normalizer.mean_var()
    assert (mean.item(), var.item()) == pytest.approx((2.0, 1.0))
    normalizer.update(torch.tensor([4.0]))
    # mean 0.5 * 1 + 0.5 * 4 = 2.5 and mean square 0.5 * 2.5 + 0.5 * 16 = 9.25 over a debiasing term of
    # 0.75: mean 10/3, mean square 37/3, variance 37/3 - 100/9 = 11/9
    mean, var = normalizer.mean_var()
    assert (mean.item(), var.item()) == pytest.approx((10 / 3, 11 / 9))
    assert normalizer.normalize(torch.tensor(4.0)).item() == pytest.approx((4 - 10 / 3) / (11 / 9) ** 0.5)


def test_value_normalizer_starts_from_the_first_batch_and_maps_back_exactly() -> None:
    normalizer = ValueNormalizer()
    assert normalizer.normalize(torch.tensor(3.0)).item() == pytest.approx(30.0)  # untouched: 0 and 0.01
    targets = torch.tensor([-40.0, -20.0, -30.0, -10.0])
    normalizer.update(targets)
    mean, var = normalizer.mean_var()  # debiased: the first batch's own moments, whatever beta
    assert (mean.item(), var.item()) == pytest.approx((-25.0, 125.0), rel=1e-6)
    normalized = normalizer.normalize(targets)
    assert normalized.mean().item() == pytest.approx(0.0, abs=1e-5)
    torch.testing.assert_close(normalizer.denormalize(normalized), targets)
    constant = ValueNormalizer()
    constant.update(torch.full((5,), 7.0))
    assert constant.mean_var()[1].item() == pytest.approx(1e-2)  # a floor, not a division by zero


@pytest.mark.parametrize("agent_class", [PPO, RecurrentPPO], ids=lambda cls: cls.__name__)
def test_ppo_takes_gae_in_return_units_and_fits_standardized_targets(monkeypatch, agent_class) -> None:
    agent = make_ppo(agent_class, value_normalization=True, n_epochs=1, batch_size=8 * NUM_ENVS)
    normalizer = agent.value_normalizer
    assert normalizer is not None
    normalizer.update(torch.tensor([90.0, 110.0]))  # returns of mean 100 and std 10 seen before
    collect(agent, np.random.default_rng(0))
    seen = {}
    gae = ppo_agent.generalized_advantage_estimate

    def recording_gae(rewards, values, next_values, *args):
        seen.update(values=values, next_values=next_values)
        advantages, returns = gae(rewards, values, next_values, *args)
        seen["returns"] = returns
        return advantages, returns

    monkeypatch.setattr(ppo_agent, "generalized_advantage_estimate", recording_gae)
    stored = agent.buffer.values.clone()
    next_values = agent.next_values()
    agent.update(0.0)
    # the critic's outputs, near 0 at initialization, enter GAE as returns near 100
    torch.testing.assert_close(seen["values"], stored * 10.0 + 100.0, rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(seen["next_values"], next_values * 10.0 + 100.0, rtol=1e-5, atol=1e-4)
    if agent_class is RecurrentPPO:  # its minibatches are sequences: the statistics' count differs
        return
    # one minibatch, one epoch: the statistics took one update, with this rollout's returns
    expected = ValueNormalizer()
    expected.update(torch.tensor([90.0, 110.0]))
    expected.update(seen["returns"])
    for got, want in zip(normalizer.mean_var(), expected.mean_var(), strict=True):
        assert got.item() == pytest.approx(want.item())


def test_the_value_statistics_travel_with_the_checkpoint() -> None:
    agent = make_ppo(value_normalization=True)
    assert agent.value_normalizer is not None
    agent.value_normalizer.update(torch.tensor([5.0, 9.0]))
    restored = make_ppo(value_normalization=True)
    restored.load_state_dict(agent.state_dict())
    assert restored.value_normalizer is not None
    assert restored.value_normalizer.mean_var()[0].item() == pytest.approx(7.0)
    assert make_ppo().value_normalizer is None  # off by default
