"""The agents ``agent.name`` can select, by name.

The built-in agents are registered by entry point, so that the config layer can validate an ``agent`` section
(with the agent's own config class) without importing every agent, and without importing the agents package
at all: ``rlkit.agents`` sits above this layer. ``module:Class`` names a user's agent.
"""

from __future__ import annotations

from rlkit.registry import Registry

AGENTS: Registry[type] = Registry("agent")
AGENTS.register(
    "ppo", "rlkit.agents.ppo:PPO", "Proximal Policy Optimization (discrete and continuous actions)"
)
AGENTS.register(
    "recurrent_ppo",
    "rlkit.agents.recurrent_ppo:RecurrentPPO",
    "PPO with an LSTM memory for partially observable tasks (discrete and continuous actions)",
)
AGENTS.register(
    "dqn",
    "rlkit.agents.dqn:DQN",
    "DQN; options: double, dueling, n-step, prioritized, C51, noisy nets (discrete actions)",
)
AGENTS.register(
    "r2d2",
    "rlkit.agents.r2d2:R2D2",
    "R2D2: LSTM DQN on replayed sequences with burn-in, n-step, prioritized (discrete actions)",
)
AGENTS.register(
    "a2c", "rlkit.agents.a2c:A2C", "Synchronous advantage actor-critic (discrete and continuous actions)"
)
AGENTS.register(
    "reinforce",
    "rlkit.agents.reinforce:Reinforce",
    "REINFORCE with a learned value baseline (discrete and continuous actions)",
)
AGENTS.register(
    "sac",
    "rlkit.agents.sac:SAC",
    "soft actor-critic: twin critics, squashed Gaussian actor, auto entropy (Box actions)",
)
AGENTS.register(
    "td3",
    "rlkit.agents.td3:TD3",
    "twin delayed DDPG: twin critics, deterministic actor, target smoothing (Box actions)",
)
AGENTS.register(
    "rma",
    "rlkit.agents.rma:RMAStudent",
    "Rapid Motor Adaptation student: a teacher's frozen policy on the physics it estimates from the "
    "observation history (made by rlkit distill, distill.method adaptation)",
)
AGENTS.register_namespace(
    "sb3",
    "rlkit.agents.sb3:resolve_sb3_agent",
    (
        "any Stable-Baselines3 / sb3-contrib algorithm, e.g. sb3:PPO, sb3:SAC, sb3:DQN, sb3:TQC "
        "(agent.hyperparameters go to its constructor)"
    ),
)
