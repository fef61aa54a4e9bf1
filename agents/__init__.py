"""Learning algorithms, registered by name for ``agent.name`` (``module:Class`` works for user agents)."""

from rlkit.agents.a2c import A2C
from rlkit.agents.base import Agent, Policy, StepResult
from rlkit.agents.dqn import DQN
from rlkit.agents.ppo import PPO
from rlkit.agents.r2d2 import R2D2
from rlkit.agents.recurrent_ppo import RecurrentPPO
from rlkit.agents.reinforce import Reinforce
from rlkit.agents.sac import SAC
from rlkit.agents.sb3 import Sb3Agent, resolve_sb3_agent
from rlkit.agents.td3 import TD3
from rlkit.registry import Registry

AGENTS: Registry[type[Agent]] = Registry("agent")
AGENTS.register("ppo", PPO, PPO.description)
AGENTS.register("recurrent_ppo", RecurrentPPO, RecurrentPPO.description)
AGENTS.register("dqn", DQN, DQN.description)
AGENTS.register("r2d2", R2D2, R2D2.description)
AGENTS.register("a2c", A2C, A2C.description)
AGENTS.register("reinforce", Reinforce, Reinforce.description)
AGENTS.register("sac", SAC, SAC.description)
AGENTS.register("td3", TD3, TD3.description)
AGENTS.register_namespace("sb3", resolve_sb3_agent, Sb3Agent.description)

__all__ = ["AGENTS", "Agent", "Policy", "StepResult"]
