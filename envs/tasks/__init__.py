"""rlkit's shipped MuJoCo tasks, registered with Gymnasium as ``rlkit/<Name>-v0``."""

from __future__ import annotations

import gymnasium as gym

TASKS = {
    "rlkit/CartPoleSwingup-v0": ("rlkit.envs.tasks.cartpole_swingup:CartPoleSwingup", 1000),
    "rlkit/CartPoleBalance-v0": ("rlkit.envs.tasks.cartpole_swingup:CartPoleBalance", 500),
    "rlkit/Reacher-v0": ("rlkit.envs.tasks.reacher:Reacher", 100),
    "rlkit/Walker-v0": ("rlkit.envs.tasks.walker:Walker", 1000),
    "rlkit/Quadruped-v0": ("rlkit.envs.tasks.quadruped:Quadruped", 1000),
    "rlkit/TeamPush-v0": ("rlkit.envs.tasks.team_push:TeamPush", 200),
    "rlkit/Sumo-v0": ("rlkit.envs.tasks.sumo:Sumo", 200),
}


def register_tasks() -> None:
    """Register every shipped task with Gymnasium (idempotent)."""
    for env_id, (entry_point, max_episode_steps) in TASKS.items():
        if env_id not in gym.registry:
            gym.register(env_id, entry_point=entry_point, max_episode_steps=max_episode_steps)
