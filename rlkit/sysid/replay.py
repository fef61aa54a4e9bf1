"""A logged episode replayed open-loop on many candidate models at once: the simulator side of identification.

Each candidate is one set of values of the identified parameters (factors or offsets of the model's own, as
``env.randomization.parameters`` draws them). The candidates are the sims of one batch
(:class:`~rlkit.envs.batched.sim_batch.SimBatch`, per-sim model fields), so the finite differences of a
least-squares step (one candidate per parameter) replay in one threaded call per control step instead of
one Python loop per candidate. Every sim starts from the episode's logged first state, receives the logged
controls row after row, and reports the env's own observation channels, computed by the task's array code
exactly as the env computes them for a policy.

The first state comes from the first row: each joint whose position (``qpos:J``, ``joint_positions:J``
relative
to the default pose, or a ``jointpos`` sensor on it) or velocity (``qvel:J``, ``joint_velocities:J``, a
``jointvel`` sensor) is logged starts there; the floating base starts at the logged base pose; everything else
starts as the task's reset would put it without noise (its keyframe, at rest).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import mujoco
import numpy as np
from scipy.interpolate import CubicSpline

from rlkit.config.schema import EnvConfig
from rlkit.config.sim2real import ParameterRandomization
from rlkit.envs.batched.batched_task import BatchedTask
from rlkit.envs.batched.sim_batch import SimBatch
from rlkit.envs.factory import make_task_env
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.randomization.physics_parameters import PhysicsParameters
from rlkit.envs.task_state import TaskState
from rlkit.errors import RlkitError
from rlkit.sysid.trajectory_log import TrajectoryLog

#: Channels that are not measurements of the robot: what it was told, not what it did.
NOT_MEASURED = ("commands[", "last_action:")
#: Rows a start's readings are interpolated over (a delay is a few control steps at most).
_SPLINE_ROWS = 8
#: Joints whose position and velocity are one number each, which a logged channel can name.
_ONE_DOF_JOINTS = (int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE))
#: A log's control period may differ from the env's by this fraction (a real logger's clock jitters).
PERIOD_TOLERANCE = 0.01


@dataclass(frozen=True)
class _StateSource:
    """Where a qpos or qvel entry's first value comes from: a logged column, plus an offset."""

    address: int
    column: int
    offset: float


def replay_env(env_config: EnvConfig) -> MujocoEnv:
    """The task env of ``env_config`` (no sim2real layers), which replay needs to be an rlkit MuJoCo task.

    Raises:
        RlkitError: The env is not an rlkit MuJoCo task (``env.id`` an XML or an ``rlkit/`` task).
    """
    env = make_task_env(env_config, check=False)
    task = env.unwrapped
    if not isinstance(task, MujocoEnv):
        raise RlkitError(
            f"env.id '{env_config.id}': identification replays rlkit MuJoCo tasks (an XML file or an "
            "rlkit/... "
            "id), whose observation channels it can compute"
        )
    return task


class LogReplay:
    """The log's episodes replayed on ``candidates`` models, the parameters' values per candidate.

    Args:
        env_config: The env the log was recorded on (its sim2real layers are ignored: replay simulates the
            robot, and the identification models the sensors' delay and bias itself).
        parameters: The identified parameters, selected as ``env.randomization.parameters`` entries select
            (their ranges are not read here).
        log: The log, validated; its controls must name every actuator of the model.
        channels: The logged channels to simulate, each one of the env's observation channels.
        candidates: Candidate models simulated side by side.
        threads: Threads that step the candidates (None: one per CPU core).

    Attributes:
        parameter_names: One name per identified value (``body_mass/FR_calf``), the columns of a candidate.
        identity: The parameters' values of the model as written (1 for a scale, 0 for an offset).

    Raises:
        RlkitError: The log does not fit the env (see :meth:`check_log`) or a parameter selects nothing.
    """

    def __init__(
        self,
        env_config: EnvConfig,
        parameters: Sequence[ParameterRandomization],
        log: TrajectoryLog,
        channels: Sequence[str],
        candidates: int,
        threads: int | None = None,
    ) -> None:
        env = replay_env(env_config)
        self.env = env
        self.dt = env.dt
        self.task = BatchedTask(env)
        self.candidates = candidates
        self.sims = SimBatch(env.model, candidates, env.frame_skip, threads or _cpu_count())
        self.sims.state = TaskState(env.model, env.task, candidates)
        self.physics = (
            PhysicsParameters(env.model, parameters, candidates, stream="Identification")
            if parameters
            else None
        )
        self._stacks = {name: self.sims.expand(name) for name in self.physics.fields} if self.physics else {}
        self._forcerange = None if self.task.torque_speed is None else self.sims.expand("actuator_forcerange")
        self.parameter_names = list(self.physics.sampled_names) if self.physics else []
        self.identity = self.physics.samples[0].copy() if self.physics else np.zeros(0)
        self.check_log(log, channels)
        self.channels = list(channels)
        self._columns = np.array(
            [self.task.observation_names.index(name) for name in channels], dtype=np.int64
        )
        self._control_order = np.array([log.control_names.index(name) for name in _actuator_names(env.model)])
        self._default_qpos, self._default_qvel = self._default_state()
        self._qpos_sources, self._qvel_sources = self._state_sources(log)
        self._every = np.arange(candidates)

    # ------------------------------------------------------------------------------------------ checks

    def check_log(self, log: TrajectoryLog, channels: Sequence[str]) -> None:
        """Raise one line when ``log`` cannot be replayed on this env: controls that are not this model's
        actuators (or miss some), channels the env does not compute, another control period.

        Raises:
            RlkitError: What does not fit, and what would.
        """
        actuators = _actuator_names(self.env.model)
        unknown = [name for name in log.control_names if name not in actuators]
        missing = [name for name in actuators if name not in log.control_names]
        if unknown or missing:
            raise RlkitError(
                "the log's controls must be the model's actuators: "
                + (f"unknown {', '.join(unknown)}; " if unknown else "")
                + (f"missing {', '.join(missing)}; " if missing else "")
                + f"the actuators are: {', '.join(actuators)}"
            )
        computed = self.task.observation_names
        absent = [name for name in channels if name not in computed]
        if absent:
            shown = ", ".join(computed[:60]) + (", ..." if len(computed) > 60 else "")
            raise RlkitError(
                f"the env does not compute the logged channel(s) {', '.join(absent[:10])}: its channels are "
                f"{shown}"
            )
        period = log.control_period()
        if abs(period - self.dt) > PERIOD_TOLERANCE * self.dt:
            raise RlkitError(
                f"the log's rows are {period:g} s apart but the env's control period is {self.dt:g} s "
                "(env.task.frame_skip × the timestep): log at the control rate the env runs at"
            )

    # ------------------------------------------------------------------------------------- the state

    def _default_state(self) -> tuple[np.ndarray, np.ndarray]:
        """The state the task's reset starts from without noise."""
        model = self.env.model
        key = self.env._keyframe
        if key is None:
            return model.qpos0.copy(), np.zeros(model.nv)
        return model.key_qpos[key].copy(), model.key_qvel[key].copy()

    def _state_sources(self, log: TrajectoryLog) -> tuple[list[_StateSource], list[_StateSource]]:
        """Which logged column gives each joint's first position and velocity."""
        model = self.env.model
        names = {name: i for i, name in enumerate(log.channel_names)}
        qpos_sources: list[_StateSource] = []
        qvel_sources: list[_StateSource] = []
        sensors = _joint_sensors(model)
        for joint in range(model.njnt):
            if int(model.jnt_type[joint]) not in _ONE_DOF_JOINTS:
                continue
            name = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_JOINT, joint) or f"joint{joint}"
            qpos_address, dof = int(model.jnt_qposadr[joint]), int(model.jnt_dofadr[joint])
            position = [
                (f"qpos:{name}", 0.0),
                (f"joint_positions:{name}", float(self._default_qpos[qpos_address])),
                *((sensor, 0.0) for sensor in sensors.get((joint, "pos"), [])),
            ]
            velocity = [
                (f"qvel:{name}", 0.0),
                (f"joint_velocities:{name}", 0.0),
                *((sensor, 0.0) for sensor in sensors.get((joint, "vel"), [])),
            ]
            for sources, options, address in (
                (qpos_sources, position, qpos_address),
                (qvel_sources, velocity, dof),
            ):
                found = next(((names[c], offset) for c, offset in options if c in names), None)
                if found is not None:
                    sources.append(_StateSource(address, found[0], found[1]))
        return qpos_sources, qvel_sources

    def readings_at(self, log: TrajectoryLog, rows: slice, shifts: np.ndarray) -> np.ndarray:
        """Every logged channel of candidate ``k`` read ``shifts[k, c]`` seconds after the first of the rows
        ``rows`` (a cubic spline through the rows' first readings), ``(candidates, channels)``.

        A sensor that reports ``d`` seconds late shows the state the rows start in only at ``t0 + d``: the
        replay of a candidate delay starts from there, or it would start ``d`` behind and mimic the delay."""
        window = slice(rows.start, min(rows.stop, rows.start + _SPLINE_ROWS))
        times = log.time[window] - log.time[rows.start]
        spline = CubicSpline(times, log.channels[window], axis=0)
        columns = np.arange(log.channels.shape[1])[None, :]
        # the spline at every (candidate, channel) time gives every channel there: keep each its own
        values = spline(np.clip(shifts, 0.0, times[-1]))
        return values[np.arange(len(shifts))[:, None], columns, columns]

    def _start(self, log: TrajectoryLog, row: int, readings: np.ndarray | None) -> None:
        """Put sim ``k`` in the state the log's row ``row`` shows, or that ``readings[k]`` (every logged
        channel) show where given."""
        sims = self.sims
        sims.reset(self._every)
        first = np.broadcast_to(log.channels[row], (self.candidates, log.channels.shape[1]))
        if readings is not None:
            first = readings
        qpos = np.tile(self._default_qpos, (self.candidates, 1))
        qvel = np.tile(self._default_qvel, (self.candidates, 1))
        for source in self._qpos_sources:
            qpos[:, source.address] = first[:, source.column] + source.offset
        for source in self._qvel_sources:
            qvel[:, source.address] = first[:, source.column]
        if log.base_pose is not None:
            joint = _free_root_joint(self.env.model)
            if joint is not None:
                address, dof = int(self.env.model.jnt_qposadr[joint]), int(self.env.model.jnt_dofadr[joint])
                qpos[:, address : address + 7] = log.base_pose[row]
                velocity = np.zeros(6)
                self._base_velocity(log, row, velocity)
                qvel[:, dof : dof + 6] = velocity
        sims.qpos[...] = qpos
        sims.qvel[...] = qvel
        if self.env.model.na and self.env._keyframe is not None:
            sims.act[...] = self.env.model.key_act[self.env._keyframe]
        sims.forward(self._every)
        self.sims.state.last_action[...] = 0.0

    @staticmethod
    def _base_velocity(log: TrajectoryLog, row: int, velocity: np.ndarray) -> None:
        """Write into ``velocity`` (the free joint's 6 dofs) the base's velocity over the row's step, from the
        logged poses of the row and the next (no velocity is logged): linear in the world frame, angular in
        the base's frame, as MuJoCo's free joint has them. Nothing where the row ends its episode."""
        if row + 1 >= log.rows or log.episodes[row + 1] != log.episodes[row]:
            return
        dt = float(log.time[row + 1] - log.time[row])
        now, then = log.base_pose[row], log.base_pose[row + 1]  # type: ignore[index]
        velocity[:3] = (then[:3] - now[:3]) / dt
        angular = np.zeros(3)
        mujoco.mju_subQuat(angular, then[3:] / np.linalg.norm(then[3:]), now[3:] / np.linalg.norm(now[3:]))
        velocity[3:] = angular / dt

    # ------------------------------------------------------------------------------------ simulation

    def set_parameters(self, values: np.ndarray) -> None:
        """Give candidate ``i`` the parameter values ``values[i]``, ``(candidates, parameters)``."""
        if self.physics is None:
            return
        self.physics.samples[...] = values
        self.physics.write(self._stacks, self._every)
        if self.physics.feeds_constants:
            self.sims.set_const(self._every)

    def simulate(self, log: TrajectoryLog, rows: slice, readings: np.ndarray | None = None) -> np.ndarray:
        """The channels every candidate reports at each of the rows ``rows`` of one episode,
        ``(candidates, rows, channels)``: row 0 is the state it starts from (the first row's, or each
        candidate's ``readings`` of every logged channel: :meth:`readings_at`), row ``t`` the state after the
        controls of rows ``0 .. t-1``."""
        start, stop = rows.start, rows.stop
        self._start(log, start, readings)
        steps = stop - start
        out = np.empty((self.candidates, steps, len(self._columns)))
        out[:, 0] = self.task.observation(self.sims)[:, self._columns]
        controls = log.controls[start:stop][:, self._control_order]
        for t in range(1, steps):
            if self._forcerange is not None:
                assert self.task.torque_speed is not None  # the ranges are expanded for the curves
                self._forcerange[...] = self.task.torque_speed(self.sims)
            self.sims.step(np.broadcast_to(controls[t - 1], self.sims.ctrl.shape))
            self.sims.state.after_step(self.sims.sensordata, self.sims.dt, slice(None))
            out[:, t] = self.task.observation(self.sims)[:, self._columns]
        return out


def simulated_channels(env: MujocoEnv) -> list[str]:
    """The env's observation channels that measure the robot (not the commands or the last action)."""
    return [name for name in env.observation_names if not name.startswith(NOT_MEASURED)]


def _actuator_names(model: mujoco.MjModel) -> list[str]:
    return [
        mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_ACTUATOR, i) or f"actuator{i}" for i in range(model.nu)
    ]


def _joint_sensors(model: mujoco.MjModel) -> dict[tuple[int, str], list[str]]:
    """The names of the ``jointpos`` and ``jointvel`` sensors on each joint."""
    kinds = {int(mujoco.mjtSensor.mjSENS_JOINTPOS): "pos", int(mujoco.mjtSensor.mjSENS_JOINTVEL): "vel"}
    found: dict[tuple[int, str], list[str]] = {}
    for sensor in range(model.nsensor):
        kind = kinds.get(int(model.sensor_type[sensor]))
        name = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_SENSOR, sensor)
        if kind is not None and name:
            found.setdefault((int(model.sensor_objid[sensor]), kind), []).append(name)
    return found


def _free_root_joint(model: mujoco.MjModel) -> int | None:
    free = np.flatnonzero(model.jnt_type == int(mujoco.mjtJoint.mjJNT_FREE))
    return int(free[0]) if free.size else None


def _cpu_count() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
