"""``normalize_observations`` standardizes vector observations only: pixels reach the CNN scaled once, to
[0, 1], by the CNN itself."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents.a2c import A2C, A2CConfig
from rlkit.agents.ppo import PPO, PPOConfig
from rlkit.agents.recurrent_ppo import RecurrentPPO, RecurrentPPOConfig
from rlkit.agents.reinforce import Reinforce, ReinforceConfig
from rlkit.errors import RlkitError

IMAGES = gym.spaces.Box(0, 255, (3, 36, 36), np.uint8)
VECTORS = gym.spaces.Box(-np.inf, np.inf, (4,), np.float32)
AGENTS = [
    (PPO, PPOConfig),
    (A2C, A2CConfig),
    (Reinforce, ReinforceConfig),
    (RecurrentPPO, RecurrentPPOConfig),
]


def make(agent_class, config_class, space: gym.Space):
    recurrent = {"sequence_length": 4} if config_class is RecurrentPPOConfig else {}
    config = config_class(n_steps=4, normalize_observations=True, **recurrent)
    return agent_class(config, space, gym.spaces.Discrete(2), 2, 1000, torch.device("cpu"), 0)


@pytest.mark.parametrize(("agent_class", "config_class"), AGENTS, ids=lambda x: getattr(x, "__name__", ""))
def test_pixels_reach_the_first_convolution_in_0_1(agent_class, config_class) -> None:
    agent = make(agent_class, config_class, IMAGES)
    assert agent.policy.obs_normalizer is None
    seen = []
    first_conv = next(m for m in agent.policy.modules() if isinstance(m, torch.nn.Conv2d))
    first_conv.register_forward_pre_hook(lambda module, inputs: seen.append(inputs[0].detach().clone()))
    rng = np.random.default_rng(0)
    for _ in range(3):
        agent.explore(rng.integers(0, 256, (2, *IMAGES.shape), dtype=np.uint8), 0)
        agent._pending = None
    pixels = torch.cat(seen)
    assert pixels.min() >= 0.0 and pixels.max() <= 1.0
    assert pixels.max() > 0.9  # scaled once, not standardized and scaled again (about +-0.01)


@pytest.mark.parametrize(("agent_class", "config_class"), AGENTS, ids=lambda x: getattr(x, "__name__", ""))
def test_vector_observations_are_still_standardized(agent_class, config_class) -> None:
    agent = make(agent_class, config_class, VECTORS)
    assert agent.policy.obs_normalizer is not None
    agent.explore(np.full((2, 4), 100.0, dtype=np.float32), 0)
    assert torch.allclose(agent.policy.obs_normalizer.stats.mean.float(), torch.full((4,), 100.0), atol=1e-2)


@pytest.mark.parametrize(("agent_class", "config_class"), AGENTS, ids=lambda x: getattr(x, "__name__", ""))
def test_the_vector_keys_of_a_dict_are_still_standardized(agent_class, config_class) -> None:
    # The Dict these agents read is Dict{policy, privileged} of vectors: every column of both is standardized.
    space = gym.spaces.Dict(
        {"policy": VECTORS, "privileged": gym.spaces.Box(-np.inf, np.inf, (2,), np.float32)}
    )
    agent = make(agent_class, config_class, space)
    agent.explore(
        {"policy": np.full((2, 4), 100.0, np.float32), "privileged": np.full((2, 2), -7.0, np.float32)}, 0
    )
    expected = torch.tensor([100.0] * 4 + [-7.0] * 2)
    assert torch.allclose(agent.policy.obs_normalizer.stats.mean.float(), expected, atol=1e-2)


@pytest.mark.parametrize(("agent_class", "config_class"), AGENTS, ids=lambda x: getattr(x, "__name__", ""))
def test_a_dict_with_an_image_key_is_refused_before_any_normalizer(agent_class, config_class) -> None:
    # Pixels beside the env's state (pixels.mode: pixels_state) are refused in one line, so an image key can
    # never be standardized.
    space = gym.spaces.Dict({"pixels": IMAGES, "state": VECTORS})
    with pytest.raises(RlkitError, match=r"reads Box observations or Dict\{policy, privileged\}"):
        make(agent_class, config_class, space)
