"""The base class of rlkit's MuJoCo tasks: a Gymnasium env defined by an MJCF model and a task.

The model comes from an XML file or string. Actions drive the model's actuators within their ``ctrlrange``,
or offset their joints' angles in a default pose (``task.action``, :mod:`rlkit.envs.action_modes`).
Observations are the model's ``<sensor>`` readings (plus qpos/qvel when the task asks), flattened, with one
name per channel in :attr:`MujocoEnv.observation_names` so sensor models can address channels by name.
The task (:class:`rlkit.config.sim2real.TaskConfig`) declares frame skip, initial-state noise, the render
camera, and reward and termination terms.

The task's reward, termination and reset distribution are computed on arrays (:mod:`rlkit.envs.task_terms`,
:mod:`rlkit.envs.initial_states`), the env being a batch of one (:class:`~rlkit.envs.sim_arrays.OneSim`), so
that the ``batched`` rollout backend runs the very same code on all its sims. A task class changes them by
overriding :meth:`MujocoEnv.task_reward`, :meth:`MujocoEnv.task_termination` and
:meth:`MujocoEnv.reset_distribution` (it then runs batched too); overriding the per-env hooks
:meth:`MujocoEnv.reward`, :meth:`MujocoEnv.terminated` or :meth:`MujocoEnv.reset_state` also works, on the
per-env backends only.

All randomness comes from ``self.np_random``, seeded by ``reset(seed=...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import mujoco
import numpy as np
from pydantic import BaseModel

from rlkit.config.loading import validate_model
from rlkit.config.sim2real import BodyContactTermination, TaskConfig, UndesiredContactsTerm
from rlkit.config.simulator import SimulatorConfig
from rlkit.envs.action_modes import (
    ControlArrays,
    default_targets,
    direct_control,
    joint_offset_control,
    joint_offset_space,
)
from rlkit.envs.contact_sensors import PREFIX as CONTACT_PREFIX
from rlkit.envs.contact_sensors import (
    add_contact_sensors,
    add_site_contact_sensors,
    matching_bodies,
    matching_sites,
)
from rlkit.envs.identified_parameters import apply_identified_parameters
from rlkit.envs.initial_states import ResetDistribution, init_noise
from rlkit.envs.locomotion_terms import tracking_error
from rlkit.envs.observation_terms import ObservationTerms
from rlkit.envs.pd_torque import motors_as_pd_servos
from rlkit.envs.sim_arrays import OneSim
from rlkit.envs.simulator_settings import apply_simulator, scaled_frame_skip
from rlkit.envs.task_state import TaskState
from rlkit.envs.task_terms import (
    RewardArrays,
    RewardTerms,
    TerminationArrays,
    TerminationTerms,
    resolve_id,
)
from rlkit.envs.team_terms import TeamTerms
from rlkit.envs.terrain import add_terrain
from rlkit.envs.test_stand import hang_floating_base
from rlkit.envs.torque_speed import TorqueSpeedLimits
from rlkit.errors import RlkitError

_SENSOR_PREFIX = "mjSENS_"
#: The row of this env's sim in its batch of one.
_ONLY_SIM = np.zeros(1, dtype=np.int64)


def load_model(model: str | Path, edit: Callable[[mujoco.MjSpec], None] | None = None) -> mujoco.MjModel:
    """Compile an MJCF model from a file path or an XML string, after ``edit`` changes its spec (adds the
    sensors a task needs), with a one-line error when it fails."""
    text = str(model)
    is_xml = text.lstrip().startswith("<")
    try:
        if is_xml:
            spec = mujoco.MjSpec.from_string(text)
        else:
            path = Path(text)
            if not path.is_file():
                raise RlkitError(f"model file '{text}' does not exist")
            spec = mujoco.MjSpec.from_file(str(path))
        if edit is not None:
            edit(spec)
        return spec.compile()
    except ValueError as exc:  # MuJoCo's parser and compiler errors
        message = " ".join(str(exc).split())
        source = "the XML string" if is_xml else f"'{text}'"
        raise RlkitError(f"MuJoCo cannot load {source}: {message}") from None


def parse_task(task: TaskConfig | Mapping[str, Any] | None, where: str = "env.task") -> TaskConfig:
    """A validated task; a mapping (from YAML or env kwargs) gets a one-line error naming the bad key."""
    if task is None:
        return TaskConfig()
    if isinstance(task, TaskConfig):
        return task
    # the config loader's own message: key paths written one way, unknown keys listing the valid ones
    return validate_model(TaskConfig, dict(task), prefix=where)


def merged_task(
    base: TaskConfig | Mapping[str, Any] | None, override: TaskConfig | Mapping[str, Any] | None
) -> TaskConfig:
    """A task class's task with the keys ``override`` sets replacing its own: a section (``commands``,
    ``action``) key by key, anything else (a list of terms) whole. ``env.task.commands.forward=[0.7, 0.7]``
    thus changes one range of a shipped task and keeps the rest of it."""
    if override is None:
        return parse_task(base)
    if base is None:
        return parse_task(override)
    return _merged(parse_task(base), parse_task(override))


def _merged(base: BaseModel, override: BaseModel) -> Any:
    update = {}
    for name in override.model_fields_set:
        value, current = getattr(override, name), getattr(base, name)
        nested = isinstance(value, BaseModel) and type(value) is type(current)
        update[name] = _merged(current, value) if nested else value
    return base.model_copy(update=update)


class MujocoEnv(gym.Env[np.ndarray, np.ndarray]):
    """A MuJoCo model as a Gymnasium env, with a task of reward and termination terms.

    A task class sets :attr:`MODEL` and :attr:`TASK`, so it needs no constructor of its own.

    Args:
        model: Path of an MJCF file, or the XML itself (default: the class's :attr:`MODEL`).
        task: What the env observes, rewards and terminates on, a :class:`TaskConfig` or its mapping; the
            keys it sets replace those of the class's :attr:`TASK` (default: that task, else one with no
            reward).
        render_mode: ``"rgb_array"`` or None.
        width: Width of rendered frames in pixels.
        height: Height of rendered frames in pixels.
        simulator: Integrator, solver, timestep, contact softness and actuator lag replacing the model's
            (``env.simulator``, a :class:`~rlkit.config.simulator.SimulatorConfig` or its mapping).
    """

    # An instance variable, as gym.Env declares it (each env sets its own render_fps); this is the default.
    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": 50}  # noqa: RUF012
    MODEL: ClassVar[str | Path | None] = None
    """The model of a task class: an MJCF path or the XML itself."""
    TASK: ClassVar[TaskConfig | Mapping[str, Any] | None] = None
    """The task of a task class; the keys ``env.task`` sets in the config replace its own
    (:func:`merged_task`)."""

    def __init__(
        self,
        model: str | Path | None = None,
        task: TaskConfig | Mapping[str, Any] | None = None,
        render_mode: str | None = None,
        width: int = 480,
        height: int = 480,
        simulator: SimulatorConfig | Mapping[str, Any] | None = None,
    ) -> None:
        model = model if model is not None else self.MODEL
        if model is None:
            raise RlkitError(f"{type(self).__name__} needs a model: an MJCF file path or XML string")
        self.task = merged_task(self.TASK, task)
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise RlkitError(f"render_mode '{render_mode}' is not supported (valid: rgb_array or None)")
        self.simulator = (
            simulator
            if simulator is None or isinstance(simulator, SimulatorConfig)
            else validate_model(SimulatorConfig, dict(simulator), prefix="env.simulator")
        )
        self._xml_timestep = 0.0
        self.model = load_model(model, self._edit_model)
        if self.simulator is not None:
            apply_identified_parameters(self.model, self.simulator.parameters)
        # the sensors the task added sit after the model's own, which alone are observed
        added = [i for i in range(self.model.nsensor) if self._is_added_sensor(i)]
        self._own_sensors = added[0] if added else self.model.nsensor
        self._own_sensordata = int(self.model.sensor_adr[added[0]]) if added else self.model.nsensordata
        if self.model.nu == 0:
            source = "the XML string" if str(model).lstrip().startswith("<") else f"model '{model}'"
            raise RlkitError(
                f"{source} has no actuators: the policy acts through <actuator> elements "
                "(add at least one, e.g. <motor joint=...>)"
            )
        self.data = mujoco.MjData(self.model)
        self.frame_skip = self.task.frame_skip
        if self.simulator is not None and self.simulator.timestep is not None:
            self.frame_skip = scaled_frame_skip(
                self._xml_timestep, self.task.frame_skip, self.simulator.timestep
            )
        self.render_mode = render_mode
        self.width, self.height = width, height
        self._renderer: mujoco.Renderer | None = None
        self._camera = (
            -1
            if self.task.camera is None
            else resolve_id(self.model, mujoco.mjtObj.mjOBJ_CAMERA, self.task.camera, "env.task.camera")
        )
        self.metadata = {**self.metadata, "render_fps": max(1, round(1.0 / self.dt))}

        self._keyframe = (
            None
            if self.task.keyframe is None
            else resolve_id(self.model, mujoco.mjtObj.mjOBJ_KEY, self.task.keyframe, "env.task.keyframe")
        )
        self._qpos_index, self._qvel_index, joint_names = self._observed_joints()
        default_qpos = self.model.qpos0 if self._keyframe is None else self.model.key_qpos[self._keyframe]
        self.observation_terms = ObservationTerms(
            self.model, self.task.observations, default_qpos, commanded=self.task.commands is not None
        )
        """The named observation terms of ``task.observations``, on arrays (the batch runs them too)."""
        self.observation_names = self._channel_names(joint_names) + self.observation_terms.names
        if not self.observation_names:
            raise RlkitError(
                "the task observes nothing: the model has no <sensor> and the task sets neither qpos, qvel "
                "nor observations"
            )
        self.observation_space = gym.spaces.Box(
            -np.inf, np.inf, (len(self.observation_names),), dtype=np.float64
        )
        self._control, self.action_space = self._action_mode()
        torque_speed = TorqueSpeedLimits(self.model, self.task.action.torque_speed)
        self.torque_speed = torque_speed if torque_speed else None
        """The motors' torque-speed curves (``task.action.torque_speed``), or None."""
        self.previous_action = np.zeros(self.model.nu)
        self.task_state = TaskState(self.model, self.task, 1)
        """The episode's command, feet and last action (:mod:`rlkit.envs.task_state`), a batch of one."""
        self.sim_arrays = OneSim(self.model, self.data, self.frame_skip, self.task_state)
        """This env's sim as a batch of one, for the task's array forms."""
        self._tracking_error = None if self.task.commands is None else tracking_error(self.model, self.task)
        self.team = None if self.task.team is None else TeamTerms(self.model, self.task)
        """The robots of a team task (``task.team``) and their rewards and outcomes on arrays, or None."""
        self._reward_arrays = self.task_reward()
        self._termination_arrays = self.task_termination()
        self._reset_distribution = self.reset_distribution()
        mujoco.mj_forward(self.model, self.data)

    # ---------------------------------------------------------------------------------------- spaces

    def _edit_model(self, spec: mujoco.MjSpec) -> None:
        """The task's sensors, motors as PD servos (``pd_torque``), the terrain, then ``env.simulator``'s
        settings and test stand."""
        self._add_task_sensors(spec)
        if self.task.action.mode == "pd_torque":
            motors_as_pd_servos(spec, self.task.action.gains, "env.task.action")
        if self.task.terrain is not None:
            add_terrain(spec, self.task.terrain)
        self._xml_timestep = float(spec.option.timestep)
        if self.simulator is not None:
            apply_simulator(spec, self.simulator)
            if self.simulator.hang_base is not None:
                hang_floating_base(spec, self.simulator.hang_base, self.task.keyframe)

    def _add_task_sensors(self, spec: mujoco.MjSpec) -> None:
        """Add to the model the sensors the task's terms read (a contact sensor per watched body)."""
        bodies = [body.name for body in spec.bodies]
        watched = [
            *((f"env.task.termination[{i}]", t) for i, t in enumerate(self.task.termination)),
            *((f"env.task.reward[{i}]", t) for i, t in enumerate(self.task.reward)),
            *(self.task.team.watched_terms() if self.task.team is not None else ()),
        ]
        for where, term in watched:
            if isinstance(term, BodyContactTermination | UndesiredContactsTerm):
                add_contact_sensors(spec, matching_bodies(bodies, term.bodies, f"{where}.bodies"))
        if self.task.feet is not None:
            sites = [site.name for site in spec.sites]
            add_site_contact_sensors(spec, matching_sites(sites, self.task.feet, "env.task.feet"))

    def _is_added_sensor(self, sensor: int) -> bool:
        name = mujoco.mj_id2name(self.model, mujoco.mjtObj.mjOBJ_SENSOR, sensor) or ""
        return name.startswith(CONTACT_PREFIX)

    def _observed_joints(self) -> tuple[np.ndarray, np.ndarray, list[tuple[str, int, int]]]:
        """Indices into qpos and qvel of the observed joints, and (name, qpos width, qvel width) of each."""
        model = self.model
        excluded = set(self.task.exclude_joints)
        joint_names = [
            mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_JOINT, j) or f"joint{j}" for j in range(model.njnt)
        ]
        for i, name in enumerate(self.task.exclude_joints):
            if name not in joint_names:
                listed = ", ".join(joint_names[:40]) + (", ..." if len(joint_names) > 40 else "")
                raise RlkitError(
                    f"env.task.exclude_joints[{i}]: the model has no joint named '{name}' (joint names, an "
                    f"unnamed one as jointN: {listed or 'none'})"
                )
        qpos: list[int] = []
        qvel: list[int] = []
        names: list[tuple[str, int, int]] = []
        for j in range(model.njnt):
            name = joint_names[j]
            start_pos, start_vel = model.jnt_qposadr[j], model.jnt_dofadr[j]
            end_pos = model.jnt_qposadr[j + 1] if j + 1 < model.njnt else model.nq
            end_vel = model.jnt_dofadr[j + 1] if j + 1 < model.njnt else model.nv
            if name in excluded:
                continue
            qpos.extend(range(start_pos, end_pos))
            qvel.extend(range(start_vel, end_vel))
            names.append((name, end_pos - start_pos, end_vel - start_vel))
        return np.asarray(qpos, dtype=np.int64), np.asarray(qvel, dtype=np.int64), names

    def _channel_names(self, joints: list[tuple[str, int, int]]) -> list[str]:
        def expand(name: str, width: int) -> list[str]:
            return [name] if width == 1 else [f"{name}[{i}]" for i in range(width)]

        names: list[str] = []
        if self.task.sensors:
            for s in range(self._own_sensors):
                sensor_type = mujoco.mjtSensor(self.model.sensor_type[s]).name.removeprefix(_SENSOR_PREFIX)
                name = (
                    mujoco.mj_id2name(self.model, mujoco.mjtObj.mjOBJ_SENSOR, s)
                    or f"{sensor_type.lower()}{s}"
                )
                names += expand(name, int(self.model.sensor_dim[s]))
        if self.task.qpos:
            for name, width, _ in joints:
                names += expand(f"qpos:{name}", width)
        if self.task.qvel:
            for name, _, width in joints:
                names += expand(f"qvel:{name}", width)
        return names

    def _action_mode(self) -> tuple[ControlArrays, gym.spaces.Box]:
        """The control of ``task.action`` on arrays, and the action space it takes."""
        mode = self.task.action.mode
        if mode in ("joint_offset", "pd_torque"):
            if self._keyframe is None:
                raise RlkitError(
                    f"env.task.action.mode {mode} needs env.task.keyframe: the default pose the actions "
                    "offset"
                )
            default = default_targets(self.model, self._keyframe, "env.task.action.mode")
            scale = self.task.action.scale
            return joint_offset_control(default, scale), joint_offset_space(self.model, default, scale)
        bounds = self.model.actuator_ctrlrange.astype(np.float32).copy()
        limited = self.model.actuator_ctrllimited.astype(bool)
        bounds[~limited] = (-np.inf, np.inf)
        return direct_control, gym.spaces.Box(bounds[:, 0], bounds[:, 1], dtype=np.float32)

    def task_control(self) -> ControlArrays:
        """The task's actions to controls on arrays (``task.action``): the same function for a batch."""
        return self._control

    # ------------------------------------------------------------------------------------------ API

    @property
    def terrain_level(self) -> int | None:
        """The terrain level of this env's episode (``task.terrain``; -1 before the first), or None."""
        terrain = self.task_state.terrain
        return None if terrain is None else int(terrain.level[0])

    @property
    def dt(self) -> float:
        """Seconds of simulated time per env step (follows a randomized timestep)."""
        return float(self.model.opt.timestep) * self.frame_skip

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode from the model's initial state plus the task's initial-state noise."""
        super().reset(seed=seed)
        mujoco.mj_resetData(self.model, self.data)
        self.reset_state()
        self.task_state.reset(self.sim_arrays, _ONLY_SIM, [self.np_random])
        mujoco.mj_forward(self.model, self.data)
        self.previous_action = np.zeros(self.model.nu)
        return self.observation(), {}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Apply ``action`` to the actuators for ``frame_skip`` physics steps."""
        action = np.asarray(action, dtype=np.float64).reshape(self.model.nu)
        self.sim_arrays.remember_before_step()
        if self.torque_speed is not None:  # the torque the motors have left at the joints' speeds
            self.model.actuator_forcerange[:] = self.torque_speed(self.sim_arrays)[0]
        self.data.ctrl[:] = self._control(action[None])[0]
        for _ in range(self.frame_skip):
            # step2 then step1 (as dm_control does): positions, velocities and their sensors describe the
            # state after the step at no extra cost; acceleration-stage sensors (accelerometer, touch,
            # force) describe the start of the last substep, as after a plain mj_step.
            mujoco.mj_step2(self.model, self.data)
            mujoco.mj_step1(self.model, self.data)
        self.task_state.after_step(self.sim_arrays.sensordata, self.dt, _ONLY_SIM)
        reward, terms = self.reward(action)
        terminated = self.terminated()
        info: dict[str, Any] = {"reward_terms": terms}
        errors = None if self._tracking_error is None else self._tracking_error(self.sim_arrays)
        if errors is not None:
            info["lin_vel_tracking_error"] = float(errors[0])
        self.task_state.record(errors, np.array([terminated]), _ONLY_SIM)
        self.previous_action = action
        self.task_state.last_action[0] = action
        self.task_state.advance_commands(self.dt, _ONLY_SIM, [self.np_random])
        return self.observation(), reward, terminated, False, info

    # ---------------------------------------------------------------------------------- task hooks

    def observation(self) -> np.ndarray:
        """Sensor readings, then observed qpos, then observed qvel, then the named observation terms."""
        parts = []
        if self.task.sensors:
            parts.append(self.data.sensordata[: self._own_sensordata])
        if self.task.qpos:
            parts.append(self.data.qpos[self._qpos_index])
        if self.task.qvel:
            parts.append(self.data.qvel[self._qvel_index])
        if self.observation_terms:
            parts.append(self.observation_terms(self.sim_arrays)[0])
        return np.concatenate(parts)

    def reward(self, action: np.ndarray) -> tuple[float, dict[str, float]]:
        """The reward of the step just taken and its weighted terms (:meth:`task_reward` on this env)."""
        total, terms = self._reward_arrays(self.sim_arrays, action[None], self.previous_action[None])
        return float(total[0]), {label: float(value[0]) for label, value in terms.items()}

    def terminated(self) -> bool:
        """Whether the episode has ended (:meth:`task_termination` on this env)."""
        return bool(self._termination_arrays(self.sim_arrays)[0])

    def reset_state(self) -> None:
        """Set the initial state of the episode (:meth:`reset_distribution` on this env)."""
        self._reset_distribution(self.sim_arrays, _ONLY_SIM, [self.np_random])

    # ------------------------------------------------------------------------------ the task on arrays

    def task_reward(self) -> RewardArrays:
        """The task's reward on arrays: the declared terms of ``task.reward`` (none: zero)."""
        return RewardTerms(self.model, self.task.reward, task=self.task)

    def task_termination(self) -> TerminationArrays:
        """The task's termination on arrays: the declared conditions of ``task.termination``, and a team's
        ``lose`` and ``success`` conditions."""
        conditions = TerminationTerms(self.model, self.task.termination)
        team = self.team
        if team is None:
            return conditions
        return lambda sims: conditions(sims) | team.ended(sims)

    def reset_distribution(self) -> ResetDistribution:
        """The task's initial state on arrays: the model's ``qpos0`` at rest or the keyframe
        ``task.keyframe``, plus uniform noise of half-width ``task.init_noise`` (none on free joints)."""
        return init_noise(self.model, self.task.init_noise, self._keyframe)

    def body_velocity(self, body: int) -> np.ndarray:
        """World-frame velocity of a body's origin over the step just taken, from its two positions."""
        return (self.data.xpos[body] - self.sim_arrays.xpos_before[0, body]) / self.dt

    # ------------------------------------------------------------------------------------ rendering

    def render(self) -> np.ndarray | None:
        """An RGB frame from the task's camera (the free camera when it names none)."""
        if self.render_mode != "rgb_array":
            return None
        if self._renderer is None:
            self._renderer = mujoco.Renderer(self.model, self.height, self.width)
        self._renderer.update_scene(self.data, camera=self._camera)
        return self._renderer.render()

    def close(self) -> None:
        """Release the renderer's GL context."""
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
