"""Multi-agent environments: PettingZoo games (Parallel and turn-based AEC) and MuJoCo teams of robots as
Gymnasium envs over all their agents."""

from rlkit.envs.multi_agent.mujoco_team import MujocoTeam
from rlkit.envs.multi_agent.parallel_game import CRITIC_INPUTS, ParallelGame
from rlkit.envs.multi_agent.turn_game import TurnGame

__all__ = ["CRITIC_INPUTS", "MujocoTeam", "ParallelGame", "TurnGame"]
