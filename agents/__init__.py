"""Learning algorithms, selected by ``agent.name`` through :data:`rlkit.agent_registry.AGENTS`
(``module:Class`` works for user agents)."""

from rlkit.agent_registry import AGENTS
from rlkit.agents.a2c import A2C
from rlkit.agents.base import Agent, Policy, StepResult
from rlkit.agents.dqn import DQN
from rlkit.agents.ppo import PPO
from rlkit.agents.r2d2 import R2D2
from rlkit.agents.recurrent_ppo import RecurrentPPO
from rlkit.agents.reinforce import Reinforce
from rlkit.agents.rma import RMAStudent
from rlkit.agents.sac import SAC
from rlkit.agents.sb3 import Sb3Agent
from rlkit.agents.td3 import TD3

__all__ = [
    "A2C",
    "AGENTS",
    "DQN",
    "PPO",
    "R2D2",
    "SAC",
    "TD3",
    "Agent",
    "Policy",
    "RMAStudent",
    "RecurrentPPO",
    "Reinforce",
    "Sb3Agent",
    "StepResult",
]
