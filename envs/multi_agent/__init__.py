"""Multi-agent environments: PettingZoo games (Parallel and turn-based AEC) as Gymnasium envs over all their
agents."""

from rlkit.envs.multi_agent.parallel_game import CRITIC_INPUTS, ParallelGame
from rlkit.envs.multi_agent.turn_game import TurnGame

__all__ = ["CRITIC_INPUTS", "ParallelGame", "TurnGame"]
