"""Every agent draws from named streams of the run seed (rlkit.seeding): none replays torch's global
generator, which the trainer seeds with the run seed and the initial weights come from, and the streams are
distinct from each other and reproducible."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents import AGENTS

SEED = 3
OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
DISCRETE = gym.spaces.Discrete(3)
BOX = gym.spaces.Box(-2.0, 2.0, (2,), np.float32)
CASES: dict[str, tuple[dict[str, Any], gym.Space]] = {
    "ppo": ({"n_steps": 8}, BOX),
    "a2c": ({"n_steps": 8}, DISCRETE),
    "reinforce": ({"n_steps": 8}, BOX),
    "recurrent_ppo": ({"n_steps": 8, "sequence_length": 4}, DISCRETE),
    "dqn": ({"noisy_nets": True}, DISCRETE),
    "r2d2": ({"burn_in": 2, "sequence_length": 4, "sequence_overlap": 0}, DISCRETE),
    "sac": ({}, BOX),
    "td3": ({}, BOX),
}


def build(name: str, seed: int = SEED) -> Any:
    overrides, action_space = CASES[name]
    agent_class = AGENTS.get(name)
    torch.manual_seed(seed)  # as the trainer seeds torch's global generator before building the agent
    return agent_class(
        agent_class.config_class(**overrides), OBS, action_space, 2, 1000, torch.device("cpu"), seed
    )


def first_draws(stream: torch.Generator | np.random.Generator) -> np.ndarray:
    """The first 16 standard normals of a copy of ``stream`` (the stream itself does not move)."""
    if isinstance(stream, torch.Generator):
        copy = torch.Generator()
        copy.set_state(stream.get_state())
        return torch.randn(16, generator=copy).numpy()
    bit_generator = type(stream.bit_generator)()
    bit_generator.state = stream.bit_generator.state
    return np.random.Generator(bit_generator).standard_normal(16)


def streams(agent: Any) -> dict[str, torch.Generator | np.random.Generator]:
    """Every random stream the agent and its buffer hold, by attribute path."""
    owners = {"agent": agent, "buffer": agent.buffer}
    return {
        f"{owner}.{name}": value
        for owner, holder in owners.items()
        for name, value in vars(holder).items()
        if isinstance(value, (torch.Generator, np.random.Generator))
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_stream_replays_the_weight_initialization_draws(name: str) -> None:
    agent = build(name)
    init = torch.randn(16, generator=torch.Generator().manual_seed(SEED)).numpy()
    found = streams(agent)
    assert found
    for path, stream in found.items():
        assert not np.allclose(first_draws(stream), init), f"{name}: {path} replays torch.manual_seed({SEED})"


@pytest.mark.parametrize("name", sorted(CASES))
def test_streams_are_distinct_and_reproducible(name: str) -> None:
    first = {path: first_draws(stream) for path, stream in streams(build(name)).items()}
    again = {path: first_draws(stream) for path, stream in streams(build(name)).items()}
    other_seed = {path: first_draws(stream) for path, stream in streams(build(name, SEED + 1)).items()}
    assert first.keys() == again.keys() == other_seed.keys()
    for path, draws in first.items():
        np.testing.assert_array_equal(draws, again[path])
        assert not np.allclose(draws, other_seed[path]), path
    values = list(first.values())
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            assert not np.allclose(a, b)
