"""The reward terms of velocity-command locomotion, on arrays: following the command, the feet's steps, and
standing still when told to (legged_gym's, with their kernels and thresholds).

They read the task's per-env episode state (:class:`~rlkit.envs.task_state.TaskState`, ``sims.state``): the
command, each foot's contact, touchdown and air time. The base's velocity is taken in its own frame, as a
robot's state estimator reports it; the feet are sites (``env.task.feet``), their contacts counted by
sensors the env adds to the model.
"""

from __future__ import annotations

from collections.abc import Callable

import mujoco
import numpy as np

from rlkit.config.sim2real import (
    FeetAirTimeTerm,
    FeetClearanceTerm,
    FeetSlipTerm,
    JointAccelerationsTerm,
    RewardTerm,
    StandingStillTerm,
    TaskConfig,
    TrackAngularVelocityTerm,
    TrackLinearVelocityTerm,
)
from rlkit.envs.floating_base import free_joint_of, one_dof_joints, to_body_frame
from rlkit.envs.model_names import resolve_id
from rlkit.envs.sim_arrays import SimArrays, step_seconds
from rlkit.errors import RlkitError

#: ``(sims, action, previous_action) -> (num_envs,)``, as :data:`rlkit.envs.task_terms.ArrayTerm`.
LocomotionTerm = Callable[[SimArrays, np.ndarray, np.ndarray], np.ndarray]
#: Every row of a batch.
EVERY_SIM = slice(None)
#: A command slower than this (m/s, planar) is the command to stand (legged_gym's 0.1).
STANDING_SPEED = 0.1


def base_velocity(model: mujoco.MjModel, task: TaskConfig, where: str) -> Callable[[SimArrays], np.ndarray]:
    """``sims -> (num_envs, 6)``: the commanded base's linear then angular velocity, in its own frame.

    Raises:
        RlkitError: The task has no commands (names ``where``), or their body has no free joint.
    """
    if task.commands is None:
        raise RlkitError(f"{where}: this term follows velocity commands; set env.task.commands")
    body = resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, task.commands.body, "env.task.commands.body")
    dof = int(model.jnt_dofadr[free_joint_of(model, body, "env.task.commands.body")])

    def velocity(sims: SimArrays) -> np.ndarray:
        # a free joint's linear velocity is in the world frame, its angular velocity in the body's own
        linear = to_body_frame(sims.xmat[:, body], sims.qvel[:, dof : dof + 3])
        return np.concatenate([linear, sims.qvel[:, dof + 3 : dof + 6]], axis=1)

    return velocity


def tracking_error(model: mujoco.MjModel, task: TaskConfig) -> Callable[[SimArrays], np.ndarray]:
    """``sims -> (num_envs,)``: the norm of the commanded minus the actual planar base velocity, m/s (what
    ``eval.json`` reports as ``lin_vel_tracking_error``)."""
    velocity = base_velocity(model, task, "env.task.commands")

    def error(sims: SimArrays) -> np.ndarray:
        miss = sims.state.commands[:, :2] - velocity(sims)[:, :2]
        return np.sqrt(np.vecdot(miss, miss))

    return error


def row_sum(values: np.ndarray) -> np.ndarray:
    """The sums over the last axis, column after column from the first: elementwise, so a row's sum does
    not depend on how many rows the batch has (NumPy's reductions may vectorize across rows and round
    differently in the last bit)."""
    total = values[..., 0].copy()
    for column in range(1, values.shape[-1]):
        total += values[..., column]
    return total


def _needs_feet(task: TaskConfig, where: str) -> None:
    if task.feet is None:
        raise RlkitError(f"{where}: this term reads the feet; set env.task.feet (a regex over site names)")


def _moving(sims: SimArrays) -> np.ndarray:
    """Whether each sim's command is to move (planar speed at least :data:`STANDING_SPEED`)."""
    commands = sims.state.commands[:, :2]
    return np.sqrt(np.vecdot(commands, commands)) >= STANDING_SPEED


def _foot_velocity(sims: SimArrays) -> np.ndarray:
    """Each foot's planar velocity over the step just taken, ``(num_envs, feet, 2)``."""
    feet = sims.state.feet
    moved = sims.site_xpos[:, feet, :2] - sims.site_xpos_before[:, feet, :2]
    return moved / step_seconds(sims.dt, EVERY_SIM, trailing=2)


def locomotion_term(model: mujoco.MjModel, term: RewardTerm, task: TaskConfig, at: str) -> LocomotionTerm:
    """Compile one locomotion term (``at`` names it in errors).

    Raises:
        RlkitError: The term needs commands or feet the task does not declare.
        AssertionError: ``term`` is not a locomotion term.
    """
    if isinstance(term, TrackLinearVelocityTerm | TrackAngularVelocityTerm):
        velocity, sigma = base_velocity(model, task, at), term.sigma
        if isinstance(term, TrackLinearVelocityTerm):

            def track_linear(sims: SimArrays, action: np.ndarray, previous: np.ndarray) -> np.ndarray:
                miss = sims.state.commands[:, :2] - velocity(sims)[:, :2]
                return np.exp(-np.vecdot(miss, miss) / sigma)

            return track_linear

        def track_yaw(sims: SimArrays, action: np.ndarray, previous: np.ndarray) -> np.ndarray:
            return np.exp(-np.square(sims.state.commands[:, 2] - velocity(sims)[:, 5]) / sigma)

        return track_yaw
    if isinstance(term, FeetAirTimeTerm):
        _needs_feet(task, at)
        threshold, commanded = term.threshold, task.commands is not None

        def air_time(sims: SimArrays, action: np.ndarray, previous: np.ndarray) -> np.ndarray:
            state = sims.state
            earned = row_sum((state.landed_air_time - threshold) * state.touchdown)
            return earned * _moving(sims) if commanded else earned

        return air_time
    if isinstance(term, FeetSlipTerm):
        _needs_feet(task, at)

        def slip(sims: SimArrays, action: np.ndarray, previous: np.ndarray) -> np.ndarray:
            speed = row_sum(np.square(_foot_velocity(sims)))
            return -row_sum(speed * sims.state.previous_contact)

        return slip
    if isinstance(term, FeetClearanceTerm):
        _needs_feet(task, at)
        height = term.height

        def clearance(sims: SimArrays, action: np.ndarray, previous: np.ndarray) -> np.ndarray:
            speed = np.sqrt(row_sum(np.square(_foot_velocity(sims))))
            feet = sims.site_xpos[:, sims.state.feet]
            above = feet[..., 2] - sims.state.ground(feet[..., 0], feet[..., 1])
            miss = np.square(above - height)
            return -row_sum(miss * speed)

        return clearance
    joints = one_dof_joints(model)
    if isinstance(term, StandingStillTerm):
        if task.commands is None:
            raise RlkitError(f"{at}: standing_still rewards standing when told to; set env.task.commands")
        addresses = model.jnt_qposadr[joints]
        keyframe = (
            None
            if task.keyframe is None
            else resolve_id(model, mujoco.mjtObj.mjOBJ_KEY, task.keyframe, "env.task.keyframe")
        )
        default = (model.qpos0 if keyframe is None else model.key_qpos[keyframe])[addresses].copy()

        def standing(sims: SimArrays, action: np.ndarray, previous: np.ndarray) -> np.ndarray:
            away = row_sum(np.abs(sims.qpos[:, addresses] - default))
            return -away * ~_moving(sims)

        return standing
    if isinstance(term, JointAccelerationsTerm):
        dofs = model.jnt_dofadr[joints]

        def accelerations(sims: SimArrays, action: np.ndarray, previous: np.ndarray) -> np.ndarray:
            # from the velocities before and after the step: a batch's qacc may differ in the last bit
            change = (sims.qvel[:, dofs] - sims.qvel_before[:, dofs]) / step_seconds(
                sims.dt, EVERY_SIM, trailing=1
            )
            return -row_sum(np.square(change))

        return accelerations
    raise AssertionError(f"unhandled reward term {term.term}")
