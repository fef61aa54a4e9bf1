"""Sumo: two mobile bases in a ring, each trying to push the other out (a competitive team task)."""

from __future__ import annotations

from importlib import resources

from rlkit.config.sim2real import TaskConfig
from rlkit.envs.mujoco_env import MujocoEnv

SUMO_TASK = TaskConfig.model_validate(
    {
        "frame_skip": 10,  # 200 Hz physics, 20 Hz control
        "camera": "overview",
        "init_noise": 0.2,
        "team": {
            "robots": ["red_", "blue_"],
            # zero-sum: a robot gains what it keeps of the centre over its opponent
            "reward": [
                {"term": "site_distance", "site_a": "{robot}centre", "site_b": "ring_centre", "weight": 0.1},
                {"term": "control_cost", "weight": 0.01},
            ],
            "zero_sum": True,
            "lose": [
                {"term": "site_distance", "site_a": "{robot}centre", "site_b": "ring_centre", "max": 1.0}
            ],
            "win_reward": 10.0,
            "lose_reward": -10.0,
        },
    }
)


class Sumo(MujocoEnv):
    """Two mobile bases (``red``, ``blue``), each an agent driving its two motors, in a ring 1 m in radius.

    Each robot observes its own velocity, its position from the ring's centre and where its opponent is from
    it, then the opponent's three (18 numbers, z included). The
    robot whose centre leaves the ring loses (-10, its opponent +10) and the episode ends; until then each
    is paid, zero-sum, how much nearer the centre it keeps than its opponent (times 0.1) less a small
    control cost. The episode lasts at most 10 s (200 steps).
    """

    MODEL = str(resources.files("rlkit.envs.tasks") / "assets" / "sumo.xml")
    TASK = SUMO_TASK
