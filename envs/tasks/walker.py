"""Planar walker: a biped (torso, two legs of thigh, shin and foot) that must walk forward without falling.

The task is declared entirely with the task-term library, the same way a user declares one in YAML.
"""

from __future__ import annotations

from importlib import resources

from rlkit.config.sim2real import TaskConfig
from rlkit.envs.mujoco_env import MujocoEnv

WALKER_TASK = TaskConfig.model_validate(
    {
        "frame_skip": 4,
        "sensors": False,
        "qpos": True,
        "qvel": True,
        "exclude_joints": ["rootx"],
        "init_noise": 0.005,
        "camera": "side",
        "reward": [
            {"term": "forward_velocity", "body": "torso", "weight": 1.0},
            {"term": "alive_bonus", "weight": 1.0},
            {"term": "control_cost", "weight": 0.001},
        ],
        "termination": [
            {"term": "body_height", "body": "torso", "min": 0.8, "max": 2.0},
            {"term": "body_tilt", "body": "torso", "max": 1.0},
        ],
    }
)


class Walker(MujocoEnv):
    """Six motors (hips, knees, ankles); observes qpos (without the forward position) and qvel.

    Reward per step: forward velocity of the torso (m/s) + 1 for staying up − 0.001·|u|². The episode ends
    when the torso drops below 0.8 m or tilts more than 1 rad.
    """

    MODEL = str(resources.files("rlkit.envs.tasks") / "assets" / "walker.xml")
    TASK = WALKER_TASK
