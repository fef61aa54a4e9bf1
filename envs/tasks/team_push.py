"""Team push: two mobile bases push a box onto a goal that moves at every reset (a cooperative team task)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

import numpy as np

from rlkit.config.sim2real import TaskConfig
from rlkit.envs.initial_states import ResetDistribution, init_noise
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.sim_arrays import SimArrays

TEAM_PUSH_TASK = TaskConfig.model_validate(
    {
        "frame_skip": 10,  # 200 Hz physics, 20 Hz control
        "camera": "overview",
        "init_noise": 0.3,
        # the team's reward, paid to both robots: the box's distance from the goal
        "reward": [{"term": "site_distance", "site_a": "box_centre", "site_b": "goal_centre", "weight": 1.0}],
        "team": {
            "robots": ["red_", "blue_"],
            # each robot's own: come to the box, and spare the motors
            "reward": [
                {"term": "site_distance", "site_a": "{robot}centre", "site_b": "box_centre", "weight": 0.2},
                {"term": "control_cost", "weight": 0.01},
            ],
            "success": [
                {"term": "site_distance", "site_a": "box_centre", "site_b": "goal_centre", "min": 0.1}
            ],
            "success_reward": 5.0,
        },
    }
)


class TeamPush(MujocoEnv):
    """Two mobile bases (``red``, ``blue``), each an agent driving its two motors, and a box to push onto a
    goal patch.

    Each robot observes its own velocity and where the box is from it, then where the goal is from the box
    and the box's velocity, then the other robot's two (18 numbers, z included). Both are paid minus the
    box's distance from the goal every step and 5 when it is within 0.1 m of it, which ends the episode
    (``is_success``); each also pays its own distance from the box times 0.2 and a small control cost. The
    episode lasts at most 10 s (200 steps).

    Args:
        goal_distance: The goal is placed this far from the box's start (metres), in a uniform direction.
    """

    MODEL = str(resources.files("rlkit.envs.tasks") / "assets" / "team_push.xml")
    TASK = TEAM_PUSH_TASK

    def __init__(self, goal_distance: tuple[float, float] = (0.6, 1.0), **kwargs: object) -> None:
        self.goal_distance = goal_distance  # read by reset_distribution, which the base constructor calls
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def reset_distribution(self) -> ResetDistribution:
        """Robots and box at their places in the model plus the task's noise; the goal at a uniform
        distance in ``goal_distance`` from the box, in a uniform direction."""
        low, high = self.goal_distance
        goal = int(self.model.body("goal").mocapid[0])
        box_x, box_y = (int(self.model.joint(name).qposadr[0]) for name in ("box_x", "box_y"))
        box_start = self.model.body("box").pos[:2].copy()
        noise = init_noise(self.model, self.task.init_noise)

        def reset(sims: SimArrays, ids: np.ndarray, generators: Sequence[np.random.Generator]) -> None:
            noise(sims, ids, generators)
            draws = np.array([(rng.uniform(low, high), rng.uniform(-np.pi, np.pi)) for rng in generators])
            distance, angle = draws[:, 0], draws[:, 1]
            box = box_start + np.stack([sims.qpos[ids, box_x], sims.qpos[ids, box_y]], axis=1)
            sims.mocap_pos[ids, goal, 0] = box[:, 0] + distance * np.cos(angle)
            sims.mocap_pos[ids, goal, 1] = box[:, 1] + distance * np.sin(angle)

        return reset
