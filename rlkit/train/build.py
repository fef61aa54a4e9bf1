"""Turning a config into live objects: the device, torch's settings, the agent."""

from __future__ import annotations

import random

import gymnasium as gym
import numpy as np
import torch

from rlkit.config.schema import RunConfig
from rlkit.errors import RlkitError


def resolve_device(name: str) -> torch.device:
    """``auto`` → CUDA when present, else CPU; an explicit CUDA device must exist."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RlkitError(
            f"config key 'train.device' is '{name}' but CUDA is not available here (use auto or cpu)"
        )
    return device


def configure_torch(config: RunConfig) -> torch.device:
    """Seed every global random stream, set torch's thread count, and return the device."""
    seed = config.train.seed
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if config.train.torch_threads is not None:
        torch.set_num_threads(config.train.torch_threads)
    return resolve_device(config.train.device)


def build_agent(
    config: RunConfig, observation_space: gym.Space, action_space: gym.Space, device: torch.device
):  # -> agents.Agent (not imported at module level: rlkit's core does not import agents eagerly)
    """The agent ``config.agent.name`` selects, built for these spaces and the configured rollout."""
    from agents import AGENTS

    agent_class = AGENTS.get(config.agent.name)
    return agent_class(
        config.agent,
        observation_space,
        action_space,
        num_envs=config.rollout.num_envs,
        total_steps=config.train.total_steps,
        device=device,
        seed=config.train.seed,
    )
