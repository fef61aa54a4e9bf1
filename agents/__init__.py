"""Learning algorithms, registered by name for ``agent.name`` (``module:Class`` works for user agents)."""

from agents.a2c import A2C
from agents.base import Agent, Policy, StepResult
from agents.dqn import DQN
from agents.ppo import PPO
from agents.r2d2 import R2D2
from agents.recurrent_ppo import RecurrentPPO
from agents.reinforce import Reinforce
from agents.sac import SAC
from agents.sb3 import Sb3Agent, resolve_sb3_agent
from agents.td3 import TD3
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
