"""Turning a config into live objects: the device, torch's settings, the agent."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlkit.agent_registry import AGENTS
from rlkit.agents.base import Agent
from rlkit.agents.separate_policies import SeparatePolicies
from rlkit.config.schema import EnvConfig, RunConfig
from rlkit.envs import make_env
from rlkit.envs.multi_agent import ParallelGame
from rlkit.errors import ConfigError, RlkitError
from rlkit.nn.encoders import Encoder


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
    config: RunConfig,
    observation_space: gym.Space,
    action_space: gym.Space,
    device: torch.device,
    num_envs: int | None = None,
) -> Agent:
    """The agent ``config.agent.name`` selects, built for these spaces and the configured rollout
    (``num_envs``: the rows the agent acts for, where they are not ``rollout.num_envs``: a multi-agent
    game's agents); with ``env.agents.parameter_sharing`` off, one such agent per game agent
    (:class:`~rlkit.agents.separate_policies.SeparatePolicies`)."""
    agent_class = AGENTS.get(config.agent.name)
    if not issubclass(agent_class, Agent):
        raise RlkitError(f"config key 'agent.name': '{config.agent.name}' is not an rlkit Agent subclass")
    rows = num_envs if num_envs is not None else config.rollout.num_envs
    if config.env.agents.parameter_sharing:
        return _one_agent(
            agent_class, config, observation_space, action_space, device, rows, config.train.seed
        )
    names = game_agents(config.env)
    per_agent = rows // len(names) if num_envs is not None else rows
    agents = [
        _one_agent(
            agent_class, config, observation_space, action_space, device, per_agent, config.train.seed + i
        )
        for i in range(len(names))
    ]
    return SeparatePolicies(agents, names)


def _one_agent(
    agent_class: type[Agent],
    config: RunConfig,
    observation_space: gym.Space,
    action_space: gym.Space,
    device: torch.device,
    num_envs: int,
    seed: int,
) -> Agent:
    agent = agent_class(
        config.agent,
        observation_space,
        action_space,
        num_envs=num_envs,
        total_steps=config.train.total_steps,
        device=device,
        seed=seed,
    )
    if config.train.compile:
        compile_encoders(agent)
    return agent


def game_agents(env_config: EnvConfig) -> tuple[str, ...]:
    """The agents of the multi-agent game ``env_config`` builds, in row order.

    Raises:
        ConfigError: The env is not a multi-agent game.
    """
    env = make_env(env_config, check=False)
    try:
        game = env.unwrapped
        if not isinstance(game, ParallelGame):
            raise ConfigError(
                f"config key 'env.agents.parameter_sharing': false gives each agent of a multi-agent game a "
                f"policy of its own, and environment '{env_config.id}' is not one; leave it true"
            )
        return game.agent_names
    finally:
        env.close()


def compile_encoders(agent: Agent) -> int:
    """``torch.compile`` every observation encoder of the agent's networks, in place (``Module.compile``
    keeps parameter names, so checkpoints are unchanged). Returns how many were compiled.

    The encoders hold nearly all of a network's arithmetic (a CNN's convolutions); the heads around them
    build distributions, which are not worth compiling. Compilation happens at the first call of each
    encoder, and again for each new batch shape (acting and updating batches differ).
    """

    def compile_in(module: torch.nn.Module) -> int:
        if isinstance(module, Encoder):  # outermost encoders only: a Dict encoder takes its children along
            module.compile()
            return 1
        return sum(compile_in(child) for child in module.children())

    return sum(compile_in(module) for module in vars(agent).values() if isinstance(module, torch.nn.Module))


def _agent_setting(agent: object, key: str) -> Any:
    """An agent's ``n_steps``, ``learning_starts`` or ``train_freq`` (None: it has none). An sb3 agent's are
    the arguments its SB3 algorithm will get, SB3's defaults included."""
    sb3_argument = getattr(agent, "sb3_argument", None)
    return sb3_argument(key) if callable(sb3_argument) else getattr(agent, key, None)


def check_budget(config: RunConfig, resume: Mapping[str, Any] | None = None) -> None:
    """Refuse a run that would train nothing: ``train.total_steps`` below one vector step, below one
    rollout of an on-policy agent, or ending before an off-policy agent's first update.

    On a resume, the steps left count: a total the run has already reached is refused, and so is a new
    total that leaves less than a rollout. A run resumed to its own total (after Ctrl-C) may finish on a
    part of a rollout: the part the stop cut off is not in the checkpoint, so no larger total would help.

    Args:
        config: The run's config.
        resume: The checkpoint a resumed run continues from (None: a new run).

    An agent that another verb makes (:attr:`~rlkit.agents.base.Agent.made_by`) is refused first.

    Raises:
        ConfigError: Naming the numbers that do not fit, or the verb that makes the agent.
    """
    made_by = getattr(AGENTS.get(config.agent.name), "made_by", None)
    if made_by is not None:
        raise ConfigError(f"agent '{config.agent.name}' is made by {made_by}, not trained by rlkit train")
    total, num_envs, agent = config.train.total_steps, config.rollout.num_envs, config.agent
    steps_done = int(resume.get("env_steps", 0)) if resume else 0
    if resume and total <= steps_done:
        raise ConfigError(
            f"train.total_steps ({total}) is not more than the {steps_done} steps the run has trained: "
            f"resume with a larger train.total_steps"
        )
    planned = resume.get("config", {}).get("train", {}).get("total_steps") if resume else None
    if resume and total == planned:
        steps_done = 0  # finishing the planned run: only a new run's limits apply
    if num_envs > total - steps_done:
        raise ConfigError(
            f"rollout.num_envs ({num_envs}) is larger than train.total_steps ({total}"
            + (f" less the run's {steps_done}" if steps_done else "")
            + f"): not one vector step fits; raise train.total_steps to at least {steps_done + num_envs}"
        )
    n_steps = _agent_setting(agent, "n_steps")
    if isinstance(n_steps, int) and num_envs * n_steps > total - steps_done:
        rollout = f"rollout.num_envs {num_envs} × agent.n_steps {n_steps} = {num_envs * n_steps}"
        if steps_done:
            raise ConfigError(
                f"train.total_steps ({total}) leaves {total - steps_done} steps after the run's "
                f"{steps_done}, fewer than one rollout ({rollout}): no update would run; raise "
                f"train.total_steps to at least {steps_done + num_envs * n_steps}"
            )
        raise ConfigError(
            f"train.total_steps ({total}) is smaller than one rollout ({rollout}): no update would run; "
            f"raise train.total_steps or lower agent.n_steps"
        )
    learning_starts = _agent_setting(agent, "learning_starts")
    train_freq = _agent_setting(agent, "train_freq")
    if isinstance(learning_starts, int) and isinstance(train_freq, int):
        first_update = max(learning_starts, train_freq)
        if total < first_update:
            raise ConfigError(
                f"train.total_steps ({total}) ends before the first update at env step {first_update} "
                f"(agent.learning_starts {learning_starts}, agent.train_freq {train_freq}): no update would "
                f"run; raise train.total_steps or lower agent.learning_starts"
            )
