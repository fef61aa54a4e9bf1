"""One network per agent of a multi-agent game: a policy of its own for each, heterogeneous ones included.

A game's agents are rows of the vector env, game ``g``'s agent ``i`` at row ``g * agents + i``
(:mod:`rlkit.rollout.agent_rows`). With parameter sharing one agent learns from every row; with
``env.agents.parameter_sharing: false`` :class:`SeparatePolicies` gives each agent an agent of its own (the
same algorithm and config, its own networks, optimizer, normalization and random streams) and hands it the
rows ``i::agents``: its observations, its rewards, its episode ends. Each learns only from its own
experience, as in independent learning with separate networks (the IPPO and MAPPO papers' non-shared
variants), and each is exported on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from rlkit.agents.base import Agent, FrozenPolicy, StepResult
from rlkit.errors import RlkitError
from rlkit.nn.deploy import DeployablePolicy
from rlkit.policy import Policy


def agent_part(values: Any, agent: int, agents: int) -> Any:
    """Agent ``agent``'s rows of a batch of rows (an array, or a Dict observation's arrays)."""
    if isinstance(values, dict):
        return {key: value[agent::agents] for key, value in values.items()}
    return values[agent::agents]


def interleaved(parts: Sequence[np.ndarray]) -> np.ndarray:
    """Each agent's rows back in row order: part ``i``'s row ``g`` at row ``g * len(parts) + i``."""
    first = np.asarray(parts[0])
    rows = np.empty((first.shape[0] * len(parts), *first.shape[1:]), dtype=first.dtype)
    for agent, part in enumerate(parts):
        rows[agent :: len(parts)] = part
    return rows


class SeparatePolicies(Agent):
    """An agent of its own for each agent of a game, each acting and learning on its rows.

    Args:
        agents: One built agent per game agent, in row order, each for ``num_envs / len(agents)`` rows.
        names: The game's agent names, in row order (metrics are logged under ``agents/<name>/``).
    """

    def __init__(self, agents: Sequence[Agent], names: Sequence[str]) -> None:
        if len(agents) != len(names) or len(agents) < 2:
            raise RlkitError(
                f"separate policies need one agent per game agent, got {len(agents)} for {names}"
            )
        first = agents[0]
        super().__init__(
            first.config,
            first.observation_space,
            first.action_space,
            first.num_envs * len(agents),
            first.total_steps,
            first.device,
            first.seed,
        )
        self.agents = list(agents)
        self.names = tuple(names)
        self._due = [False] * len(agents)

    @property
    def policies(self) -> dict[str, Agent]:
        """Each game agent's own agent, by its name."""
        return dict(zip(self.names, self.agents, strict=True))

    def _split(self, values: Any) -> list[Any]:
        return [agent_part(values, i, len(self.agents)) for i in range(len(self.agents))]

    def act(self, obs: Any, deterministic: bool = True) -> np.ndarray:
        return interleaved(
            [
                agent.act(part, deterministic)
                for agent, part in zip(self.agents, self._split(obs), strict=True)
            ]
        )

    def make_policy(self, deterministic: bool = True) -> Policy:
        policies = [agent.make_policy(deterministic) for agent in self.agents]

        def play(obs: Any, episode_starts: np.ndarray) -> np.ndarray:
            starts = self._split(np.asarray(episode_starts))
            parts = self._split(obs)
            return interleaved(
                [np.asarray(p(part, s)) for p, part, s in zip(policies, parts, starts, strict=True)]
            )

        return play

    def frozen_policy(
        self, deterministic: bool = False, seed: int = 0, weights: dict[str, torch.Tensor] | None = None
    ) -> FrozenPolicy:
        raise RlkitError(
            "self_play trains one policy that takes any seat: leave env.agents.parameter_sharing on"
        )

    def deployable_policy(self) -> DeployablePolicy:
        raise RlkitError(
            "a run with env.agents.parameter_sharing off has one policy per agent: export each "
            f"({', '.join(self.names)}) with rlkit export, which writes one file per agent"
        )

    def explore(self, obs: Any, env_steps: int, actions: np.ndarray | None = None) -> np.ndarray:
        chosen = self._split(actions) if actions is not None else [None] * len(self.agents)
        return interleaved(
            [
                agent.explore(part, env_steps, mine)
                for agent, part, mine in zip(self.agents, self._split(obs), chosen, strict=True)
            ]
        )

    def record(self, step: StepResult) -> None:
        fields = [self._split(value) for value in (step.rewards, step.terminated, step.truncated)]
        for i, (agent, next_obs) in enumerate(zip(self.agents, self._split(step.next_obs), strict=True)):
            agent.record(StepResult(fields[0][i], fields[1][i], fields[2][i], next_obs))

    def envs_reset(self, envs: np.ndarray | None = None) -> None:
        for i, agent in enumerate(self.agents):
            agent.envs_reset(None if envs is None else agent_part(np.asarray(envs), i, len(self.agents)))

    @property
    def rollout_length(self) -> int | None:
        return self.agents[0].rollout_length

    def update_due(self, env_steps: int) -> bool:
        self._due = [agent.update_due(env_steps) for agent in self.agents]
        return any(self._due)

    def update(self, progress: float) -> dict[str, float]:
        """Update each agent that is due; its metrics under ``agents/<name>/``, their mean unprefixed."""
        metrics: dict[str, float] = {}
        collected: dict[str, list[float]] = {}
        for name, agent, due in zip(self.names, self.agents, self._due, strict=True):
            if not due:
                continue
            for key, value in agent.update(progress).items():
                metrics[f"agents/{name}/{key}"] = value
                collected.setdefault(key, []).append(value)
        self.gradient_steps_done = sum(agent.gradient_steps_done for agent in self.agents)
        return {**{key: float(np.mean(values)) for key, values in collected.items()}, **metrics}

    def state_dict(self) -> dict[str, Any]:
        return {"agents": {name: agent.state_dict() for name, agent in self.policies.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        saved = state.get("agents")
        if not isinstance(saved, dict) or sorted(saved) != sorted(self.names):
            found = sorted(saved) if isinstance(saved, dict) else "one shared policy"
            raise RlkitError(
                f"the checkpoint holds policies for {found}, this game's agents are {', '.join(self.names)}"
            )
        for name, agent in self.policies.items():
            agent.load_state_dict(saved[name])
        self.gradient_steps_done = sum(agent.gradient_steps_done for agent in self.agents)
