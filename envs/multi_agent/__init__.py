"""Multi-agent environments: PettingZoo Parallel games as Gymnasium envs over all their agents."""

from rlkit.envs.multi_agent.parallel_game import CRITIC_INPUTS, ParallelGame

__all__ = ["CRITIC_INPUTS", "ParallelGame"]
