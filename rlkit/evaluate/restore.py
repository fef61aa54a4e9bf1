"""Rebuilding a run's agent from a checkpoint alone (its config, its weights, the spaces of its env)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlkit.agents.base import Agent
from rlkit.config.loading import apply_overrides, config_from_dict
from rlkit.config.schema import RunConfig
from rlkit.evaluate.env_fit import eval_env_spaces
from rlkit.runs.build import build_agent, configure_torch
from rlkit.runs.checkpoint import load_agent_state, load_checkpoint, resolve_checkpoint


@dataclass(frozen=True)
class RestoredAgent:
    """An agent rebuilt from a checkpoint alone, with the config it was rebuilt from."""

    checkpoint: Path
    payload: dict[str, Any]
    config: RunConfig
    agent: Agent


def restore_agent(target: str | Path, overrides: Sequence[str] = ()) -> RestoredAgent:
    """Rebuild the agent in a checkpoint (or a run directory's latest) on CPU unless the run named a device.

    Args:
        target: A run directory or a checkpoint file.
        overrides: Dotted overrides applied to the checkpoint's config before the agent is built.
    """
    path = resolve_checkpoint(target)
    payload = load_checkpoint(path)
    config = config_from_dict(apply_overrides(payload["config"], overrides))
    config.train.device = "cpu" if config.train.device == "auto" else config.train.device
    device = configure_torch(config)
    trained = config_from_dict(payload["config"]).env
    observation_space, action_space = eval_env_spaces(path, config.env, trained)
    agent = build_agent(config, observation_space, action_space, device)
    load_agent_state(agent, payload, config.env.id, config.agent.name)
    return RestoredAgent(path, payload, config, agent)
