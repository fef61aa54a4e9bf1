"""Two-link reacher: move the fingertip of a planar arm to a target placed at random each episode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import numpy as np

from rlkit.config.sim2real import TaskConfig
from rlkit.config.simulator import SimulatorConfig
from rlkit.envs.initial_states import ResetDistribution, init_noise
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.sim_arrays import SimArrays

REACHER_TASK = TaskConfig.model_validate(
    {
        "frame_skip": 2,
        "camera": "top",
        "init_noise": 0.1,
        "reward": [
            {"term": "site_distance", "site_a": "fingertip", "site_b": "target", "weight": 1.0},
            {"term": "control_cost", "weight": 0.01},
        ],
    }
)


class Reacher(MujocoEnv):
    """A planar arm with shoulder and elbow motors; the target is a mocap body moved at every reset.

    Observations (sensors): the upper arm's axis (cos, sin, 0), the elbow angle, both joint velocities and
    the fingertip's position relative to the target. Reward: minus the fingertip-target distance (metres)
    minus a small control cost, declared with the task-term library.

    Args:
        target_radius: The target is placed uniformly in the annulus between these radii (metres); the arm
            reaches 0.21 m.
    """

    MODEL = str(resources.files("rlkit.envs.tasks") / "assets" / "reacher.xml")
    TASK = REACHER_TASK

    def __init__(
        self,
        task: TaskConfig | Mapping[str, Any] | None = None,
        render_mode: str | None = None,
        width: int = 480,
        height: int = 480,
        target_radius: tuple[float, float] = (0.05, 0.2),
        simulator: SimulatorConfig | Mapping[str, Any] | None = None,
    ) -> None:
        self.target_radius = target_radius  # read by reset_distribution, which the base constructor calls
        super().__init__(task=task, render_mode=render_mode, width=width, height=height, simulator=simulator)

    def reset_distribution(self) -> ResetDistribution:
        """Arm near its rest pose with the task's noise; the target uniform over the annulus (by area)."""
        low, high = self.target_radius
        target = int(self.model.body("target").mocapid[0])
        noise = init_noise(self.model, self.task.init_noise)

        def reset(sims: SimArrays, ids: np.ndarray, generators: Sequence[np.random.Generator]) -> None:
            noise(sims, ids, generators)
            draws = np.array(
                [(rng.uniform(low**2, high**2), rng.uniform(-np.pi, np.pi)) for rng in generators]
            )
            radius, angle = np.sqrt(draws[:, 0]), draws[:, 1]
            sims.mocap_pos[ids, target, 0] = radius * np.cos(angle)
            sims.mocap_pos[ids, target, 1] = radius * np.sin(angle)

        return reset
