"""A custom robot in Python: subclass rlkit's MuJoCo base class and write the reward and reset yourself.

Train it with ``rlkit train examples/custom_env/point_mass.yaml``: the config names this class as
``env.id: examples.custom_env.point_mass:PointMass``. The module also registers the id ``PointMass-v0``, so
``env.id: examples.custom_env.point_mass:PointMass-v0`` works too (Gymnasium imports the module first).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.config.sim2real import TaskConfig
from rlkit.envs import MujocoEnv

XML = """
<mujoco model="point_mass">
  <option timestep="0.01"/>
  <visual><headlight ambient="0.5 0.5 0.5"/></visual>
  <worldbody>
    <light pos="0 0 2" dir="0 0 -1"/>
    <camera name="top" pos="0 0 1.2" xyaxes="1 0 0 0 1 0"/>
    <geom name="floor" type="plane" size="0.5 0.5 0.02" rgba="0.3 0.35 0.4 1"/>
    <body name="point" pos="0 0 0.02">
      <joint name="x" type="slide" axis="1 0 0" damping="1" limited="true" range="-0.3 0.3"/>
      <joint name="y" type="slide" axis="0 1 0" damping="1" limited="true" range="-0.3 0.3"/>
      <geom type="sphere" size="0.02" mass="0.3" rgba="0.9 0.6 0.2 1" contype="0" conaffinity="0"/>
      <site name="point"/>
    </body>
    <body name="goal" mocap="true" pos="0.1 0.1 0.02">
      <site name="goal" size="0.02" rgba="0.2 0.9 0.3 1"/>
    </body>
  </worldbody>
  <actuator>
    <motor joint="x" gear="2" ctrlrange="-1 1"/>
    <motor joint="y" gear="2" ctrlrange="-1 1"/>
  </actuator>
  <sensor>
    <framepos name="point_to_goal" objtype="site" objname="point" reftype="site" refname="goal"/>
    <framelinvel name="velocity" objtype="site" objname="point"/>
  </sensor>
</mujoco>
"""


class PointMass(MujocoEnv):
    """Drive a point mass to a goal that moves every episode; +1 per step spent within 2 cm of it.

    Args:
        goal_range: The goal is placed uniformly in the square ±goal_range (metres).
    """

    MODEL = XML
    TASK = TaskConfig(frame_skip=2, camera="top", init_noise=0.05)

    def __init__(
        self,
        task: Mapping[str, Any] | None = None,
        render_mode: str | None = None,
        width: int = 480,
        height: int = 480,
        goal_range: float = 0.25,
    ) -> None:
        super().__init__(task=task, render_mode=render_mode, width=width, height=height)
        self.goal_range = goal_range
        self._goal = self.model.body("goal").mocapid[0]
        self._point, self._goal_site = self.model.site("point").id, self.model.site("goal").id

    def reset_state(self) -> None:
        """Start near the centre; put the goal somewhere new, drawn from the env's seeded generator."""
        super().reset_state()
        self.data.mocap_pos[self._goal, :2] = self.np_random.uniform(-self.goal_range, self.goal_range, 2)

    def reward(self, action: np.ndarray) -> tuple[float, dict[str, float]]:
        """Minus the distance to the goal, plus one inside it, minus a small control cost."""
        distance = float(
            np.linalg.norm(self.data.site_xpos[self._point] - self.data.site_xpos[self._goal_site])
        )
        terms = {
            "distance": -distance,
            "at_goal": float(distance < 0.02),
            "control": -0.01 * float(action @ action),
        }
        return sum(terms.values()), terms


gym.register("PointMass-v0", entry_point=PointMass, max_episode_steps=200)
