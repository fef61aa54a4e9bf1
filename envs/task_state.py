"""What a task remembers about each env's episode beyond the physics state: its velocity command, its feet's
contacts and air time, and the last action; on arrays, for every sim of a batch at once or for one env as a
batch of one.

The command is drawn from the env's own generator at its episode's start (after the initial state's draws)
and redrawn when its hold time runs out, one generator call per env and draw, so that env ``i`` of a batch
seeded with ``seed + i`` follows exactly the commands a lone env reset with that seed follows. Every draw is
five uniform numbers: standing or not, forward, lateral, yaw rate, hold time.
"""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import numpy as np

from rlkit.config.sim2real import TaskConfig
from rlkit.envs.contact_sensors import matching_sites, site_contact_sensor_name
from rlkit.envs.floating_base import free_joint_of
from rlkit.envs.model_names import entity_names, resolve_id
from rlkit.envs.sim_arrays import SimArrays, step_seconds
from rlkit.envs.terrain import TerrainLevels, TerrainMap
from rlkit.errors import RlkitError

#: forward, lateral, yaw rate
_COMMAND_WIDTH = 3


class TaskState:
    """Per-env episode state of a task, ``(num_envs, ...)`` arrays.

    Args:
        model: The compiled model (with the feet's contact sensors added,
            :func:`~rlkit.envs.contact_sensors.add_site_contact_sensors`).
        task: The task.
        num_envs: Envs in the batch.

    Attributes:
        commands: Each env's command ``(forward, lateral, yaw rate)``, ``(num_envs, 3)``; zeros without
            ``task.commands``.
        command_steps_left: Control steps each command still holds, ``(num_envs,)``.
        last_action: The action of each env's last step (zeros at an episode's start), ``(num_envs, nu)``.
        feet: The foot sites' ids, ``(num_feet,)``; empty without ``task.feet``.
        foot_columns: Their contact sensors' ``sensordata`` columns.
        air_time: Seconds each foot has been off the ground, ``(num_envs, num_feet)``.
        touchdown: Whether each foot touched down in the step just taken, and ``landed_air_time`` the air time
            it landed with.
        terrain: Each env's terrain level and episode record (``task.terrain``), or None.

    Raises:
        RlkitError: The terrain's curriculum has no commands to follow, or no floating base to place.
    """

    def __init__(self, model: mujoco.MjModel, task: TaskConfig, num_envs: int) -> None:
        self.config = task.commands
        self.commands = np.zeros((num_envs, _COMMAND_WIDTH))
        self.command_steps_left = np.zeros(num_envs, dtype=np.int64)
        self.last_action = np.zeros((num_envs, model.nu))
        sites = (
            []
            if task.feet is None
            else matching_sites(entity_names(model, mujoco.mjtObj.mjOBJ_SITE), task.feet, "env.task.feet")
        )
        self.feet = np.asarray(
            [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, site) for site in sites], dtype=np.int64
        )
        sensor_names = [site_contact_sensor_name(site) for site in sites]
        sensors = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SENSOR, name) for name in sensor_names]
        self.foot_columns = np.asarray([model.sensor_adr[sensor] for sensor in sensors], dtype=np.int64)
        self.air_time = np.zeros((num_envs, len(sites)))
        self.previous_contact = np.zeros((num_envs, len(sites)), dtype=bool)
        self.touchdown = np.zeros((num_envs, len(sites)), dtype=bool)
        self.landed_air_time = np.zeros((num_envs, len(sites)))
        self.terrain = None if task.terrain is None else _terrain_levels(model, task, num_envs)

    def reset(self, sims: SimArrays, ids: np.ndarray, generators: Sequence[np.random.Generator]) -> None:
        """Start the episodes of envs ``ids`` (in their initial state): move them to their terrain level's
        ground, then draw their commands (from ``generators[k]`` for env ``ids[k]``, after its initial
        state's draws), clear their feet's air time and their last action."""
        dt = sims.dt
        if self.terrain is not None:
            self.terrain.place(sims.qpos, ids, generators)
        self.last_action[ids] = 0.0
        self.air_time[ids] = 0.0
        self.previous_contact[ids] = False
        self.touchdown[ids] = False
        self.landed_air_time[ids] = 0.0
        if self.config is not None:
            self._draw(dt, ids, generators)

    def after_step(self, sensordata: np.ndarray, dt: float | np.ndarray, rows: np.ndarray | slice) -> None:
        """Update envs ``rows``' feet after a step: contacts (this step's or the last, as legged_gym
        filters them), touchdowns and air time."""
        if not self.feet.size:
            return
        contact = sensordata[rows][:, self.foot_columns] > 0
        touching = contact | self.previous_contact[rows]
        self.previous_contact[rows] = contact
        air_time = self.air_time[rows]
        step = step_seconds(dt, rows, trailing=1)
        self.touchdown[rows] = (air_time > 0) & touching
        air_time = air_time + step
        self.landed_air_time[rows] = air_time
        self.air_time[rows] = air_time * ~touching

    def ground(self, x: np.ndarray, y: np.ndarray) -> np.ndarray | float:
        """The ground's height at world points ``(x, y)``: the terrain's, else the floor's (0)."""
        return 0.0 if self.terrain is None else self.terrain.terrain.height(x, y)

    def record(self, errors: np.ndarray | None, terminated: np.ndarray, rows: np.ndarray | slice) -> None:
        """Add the step just taken by envs ``rows`` to their episodes' record (their tracking ``errors`` and
        terminations, rows of arrays over every env), which moves their terrain level at the next reset."""
        if self.terrain is not None and errors is not None:
            self.terrain.record(errors, terminated, rows)

    def advance_commands(
        self, dt: float | np.ndarray, ids: np.ndarray, generators: Sequence[np.random.Generator]
    ) -> None:
        """Count down the commands of envs ``ids`` (after their step's reward) and redraw those that ran
        out, env ``i`` from ``generators[i]`` (every env's generator, indexed by env)."""
        if self.config is None:
            return
        self.command_steps_left[ids] -= 1
        expired = ids[self.command_steps_left[ids] <= 0]
        if expired.size:
            self._draw(dt, expired, [generators[i] for i in expired])

    def _draw(
        self, dt: float | np.ndarray, ids: np.ndarray, generators: Sequence[np.random.Generator]
    ) -> None:
        config = self.config
        assert config is not None  # drawn only with commands
        uniform = np.stack([generator.random(5) for generator in generators])
        low = np.array([config.forward[0], config.lateral[0], config.yaw_rate[0]])
        high = np.array([config.forward[1], config.lateral[1], config.yaw_rate[1]])
        commands = low + (high - low) * uniform[:, 1:4]
        commands[uniform[:, 0] < config.standing] = 0.0
        self.commands[ids] = commands
        shortest, longest = config.resample_seconds
        hold = shortest + (longest - shortest) * uniform[:, 4]
        step = step_seconds(dt, ids)
        self.command_steps_left[ids] = np.maximum(np.rint(hold / step), 1).astype(np.int64)


def _terrain_levels(model: mujoco.MjModel, task: TaskConfig, num_envs: int) -> TerrainLevels:
    assert task.terrain is not None
    if task.terrain.curriculum is not None and task.commands is None:
        raise RlkitError(
            "env.task.terrain.curriculum moves envs by how well they follow their velocity commands: set "
            "env.task.commands"
        )
    if task.commands is not None:
        body = resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, task.commands.body, "env.task.commands.body")
        joint = free_joint_of(model, body, "env.task.commands.body")
    else:
        free = np.flatnonzero(model.jnt_type == mujoco.mjtJoint.mjJNT_FREE)
        if not free.size:
            raise RlkitError(
                "env.task.terrain places a floating base on the ground; the model has no free joint"
            )
        joint = int(free[0])
    return TerrainLevels(TerrainMap(model, task.terrain), int(model.jnt_qposadr[joint]), num_envs)
