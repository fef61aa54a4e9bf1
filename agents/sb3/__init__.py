"""Stable-Baselines3 interoperability: ``agent.name: sb3:<Algo>`` trains any SB3 / sb3-contrib algorithm on
rlkit's env stack, inside rlkit's training loop (see :mod:`rlkit.agents.sb3.agent`)."""

from rlkit.agents.sb3.agent import Sb3Agent
from rlkit.agents.sb3.config import Sb3Config, resolve_algorithm


def resolve_sb3_agent(algorithm: str) -> type[Sb3Agent]:
    """The agent class for ``sb3:<algorithm>``, once the algorithm is known to exist."""
    resolve_algorithm(algorithm)
    return Sb3Agent


__all__ = ["Sb3Agent", "Sb3Config", "resolve_sb3_agent"]
