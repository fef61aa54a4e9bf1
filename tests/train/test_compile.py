"""train.compile: the agent's encoders are compiled in place, with the same parameters and outputs."""

from __future__ import annotations

import shutil

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.config.loading import load_config
from rlkit.nn.encoders import Encoder
from rlkit.runs.build import build_agent

pytestmark = pytest.mark.skipif(
    shutil.which("g++") is None, reason="torch.compile on CPU needs a C++ compiler"
)


def test_compiled_encoders_keep_their_parameters_and_outputs() -> None:
    config = load_config("cartpole-ppo", ["train.compile=true"])
    space, actions = gym.spaces.Box(-1, 1, (4,), np.float32), gym.spaces.Discrete(2)
    torch.manual_seed(0)
    eager = build_agent(
        config.model_copy(update={"train": config.train.model_copy(update={"compile": False})}),
        space,
        actions,
        torch.device("cpu"),
    )
    torch.manual_seed(0)
    compiled = build_agent(config, space, actions, torch.device("cpu"))
    assert not any(m._compiled_call_impl for m in eager.policy.modules() if isinstance(m, Encoder))
    encoders = [m for m in compiled.policy.modules() if isinstance(m, Encoder)]
    assert encoders and all(m._compiled_call_impl is not None for m in encoders)
    assert compiled.policy.state_dict().keys() == eager.policy.state_dict().keys()  # checkpoints unchanged
    obs = np.random.default_rng(0).uniform(-1, 1, (16, 4)).astype(np.float32)
    np.testing.assert_array_equal(compiled.act(obs), eager.act(obs))
