"""The library of reward and termination terms a task declares in YAML, compiled against a MuJoCo model and
computed on arrays: for every sim of a batch at once, or for one env as a batch of one.

Each reward term computes a value where larger is better (costs are negative), and the reward is the sum of
``weight * value``. Names of bodies and sites are resolved once, when the env is built, so a misspelled name
fails at load with a line listing the names the model has, not in the middle of training. A term reads the
live arrays of a :class:`~rlkit.envs.sim_arrays.SimArrays` and returns one value per sim, ``(num_envs,)``;
``np.vecdot`` is the per-row ``np.dot``, so a row's value does not depend on the rows beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mujoco
import numpy as np

from rlkit.config.sim2real import (
    ActionRateCostTerm,
    ActuatorForcesTerm,
    AliveBonusTerm,
    BaseHeightTerm,
    BodyContactTermination,
    BodyHeightTerm,
    BodyTiltTermination,
    ControlCostTerm,
    ForwardVelocityTerm,
    JointLimitsTerm,
    OrientationTerm,
    RewardTerm,
    RollPitchRatesTerm,
    SiteApproachTerm,
    SiteDistanceTerm,
    SiteDistanceTermination,
    TaskConfig,
    TerminatedTerm,
    TerminationTerm,
    UndesiredContactsTerm,
    UprightTerm,
    VerticalVelocityTerm,
)
from rlkit.envs.contact_sensors import contact_sensor_name, matching_bodies
from rlkit.envs.floating_base import free_joint_of, one_dof_joints, to_body_frame
from rlkit.envs.locomotion_terms import locomotion_term
from rlkit.envs.model_names import entity_names, resolve_id
from rlkit.envs.sim_arrays import SimArrays
from rlkit.errors import RlkitError

_AXES = {"x": 0, "y": 1, "z": 2}


RewardArrays = Callable[[SimArrays, np.ndarray, np.ndarray], tuple[np.ndarray, dict[str, np.ndarray]]]
"""A task's reward: ``(sims, action, previous_action) -> (reward, weighted terms)``, each ``(num_envs,)``;
actions are ``(num_envs, nu)`` float64."""
TerminationArrays = Callable[[SimArrays], np.ndarray]
"""A task's termination: ``sims -> terminated``, ``(num_envs,)`` bool."""

ArrayTerm = Callable[[SimArrays, np.ndarray, np.ndarray], np.ndarray]
"""A compiled reward term: ``(sims, action, previous_action) -> (num_envs,)`` values, before the
weight, for the step just taken; actions are ``(num_envs, nu)`` float64."""


def forward_velocity(sims: SimArrays, body: int, axis: int) -> np.ndarray:
    """Velocity of each sim's body origin along ``axis`` over the step just taken, from its two positions."""
    return (sims.xpos[:, body, axis] - sims.xpos_before[:, body, axis]) / sims.dt


def body_height(sims: SimArrays, body: int) -> np.ndarray:
    """World height of each sim's body origin."""
    return sims.xpos[:, body, 2].copy()


def upright(sims: SimArrays, body: int) -> np.ndarray:
    """The z component of each sim's body z axis (1 upright, -1 upside down)."""
    return sims.xmat[:, body, 8].copy()


def body_tilt(sims: SimArrays, body: int) -> np.ndarray:
    """The angle (radians) between each sim's body z axis and the world's."""
    return np.arccos(np.clip(sims.xmat[:, body, 8], -1.0, 1.0))


def site_distance(sims: SimArrays, site_a: int, site_b: int) -> np.ndarray:
    """Minus the distance between two sites of each sim."""
    difference = sims.site_xpos[:, site_a] - sims.site_xpos[:, site_b]
    return -np.sqrt(np.vecdot(difference, difference))


def site_approach(sims: SimArrays, site_a: int, site_b: int) -> np.ndarray:
    """How fast two sites of each sim approached each other over the step just taken (m/s)."""
    before = sims.site_xpos_before[:, site_a] - sims.site_xpos_before[:, site_b]
    return (site_distance(sims, site_a, site_b) + np.sqrt(np.vecdot(before, before))) / sims.dt


def squared_norm(values: np.ndarray) -> np.ndarray:
    """``np.dot(v, v)`` of each row, to the bit (``np.vecdot`` runs ``np.dot``'s inner loop)."""
    return np.vecdot(values, values)


def _reward_term(model: mujoco.MjModel, term: RewardTerm, task: TaskConfig, at: str) -> ArrayTerm:
    """Compile one declared term, its names resolved now (an error names ``at``)."""

    def body(name: str) -> int:
        return resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, name, f"{at}.body")

    def site(name: str, key: str) -> int:
        return resolve_id(model, mujoco.mjtObj.mjOBJ_SITE, name, f"{at}.{key}")

    if isinstance(term, ForwardVelocityTerm):
        index, axis = body(term.body), _AXES[term.axis]
        return lambda sims, action, previous: forward_velocity(sims, index, axis)
    if isinstance(term, BodyHeightTerm):
        index = body(term.body)
        return lambda sims, action, previous: body_height(sims, index)
    if isinstance(term, UprightTerm):
        index = body(term.body)
        return lambda sims, action, previous: upright(sims, index)
    if isinstance(term, SiteDistanceTerm):
        a, b = site(term.site_a, "site_a"), site(term.site_b, "site_b")
        return lambda sims, action, previous: site_distance(sims, a, b)
    if isinstance(term, SiteApproachTerm):
        a, b = site(term.site_a, "site_a"), site(term.site_b, "site_b")
        return lambda sims, action, previous: site_approach(sims, a, b)
    if isinstance(term, ControlCostTerm):
        return lambda sims, action, previous: -squared_norm(action)
    if isinstance(term, ActionRateCostTerm):
        return lambda sims, action, previous: -squared_norm(action - previous)
    if isinstance(term, AliveBonusTerm):
        return lambda sims, action, previous: np.ones(sims.num_envs)
    return _robot_term(model, term, task, at)


def _robot_term(model: mujoco.MjModel, term: RewardTerm, task: TaskConfig, at: str) -> ArrayTerm:
    """Compile one of the terms a legged robot is trained with (legged_gym's costs, each negative)."""
    if isinstance(term, BaseHeightTerm):
        index, target = resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, term.body, f"{at}.body"), term.target

        def base_height(sims: SimArrays, action: np.ndarray, previous: np.ndarray) -> np.ndarray:
            position = sims.xpos[:, index]
            height = position[:, 2] - sims.state.ground(position[:, 0], position[:, 1])
            return -np.square(height - target)

        return base_height
    if isinstance(term, OrientationTerm):
        index = resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, term.body, f"{at}.body")
        # gravity in the body's frame is minus the world z axis seen from it: minus row 3 of xmat
        return lambda sims, action, previous: -squared_norm(sims.xmat[:, index, 6:8])
    if isinstance(term, VerticalVelocityTerm | RollPitchRatesTerm):
        index = resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, term.body, f"{at}.body")
        dof = int(model.jnt_dofadr[free_joint_of(model, index, f"{at}.body")])
        if isinstance(term, RollPitchRatesTerm):  # a free joint's angular velocity is in the body's frame
            return lambda sims, action, previous: -squared_norm(sims.qvel[:, dof + 3 : dof + 5])

        def vertical(sims: SimArrays, action: np.ndarray, previous: np.ndarray) -> np.ndarray:
            velocity = to_body_frame(sims.xmat[:, index], sims.qvel[:, dof : dof + 3])
            return -np.square(velocity[:, 2])

        return vertical
    if isinstance(term, ActuatorForcesTerm):
        return lambda sims, action, previous: -squared_norm(sims.actuator_force)
    joints = one_dof_joints(model)
    if isinstance(term, JointLimitsTerm):
        limited = [j for j in joints if model.jnt_limited[j]]
        addresses = model.jnt_qposadr[limited]
        low, high = model.jnt_range[limited, 0], model.jnt_range[limited, 1]
        middle, half = (low + high) / 2, (high - low) / 2 * term.soft_fraction
        soft_low, soft_high = middle - half, middle + half

        def beyond(sims: SimArrays, action: np.ndarray, previous: np.ndarray) -> np.ndarray:
            angles = sims.qpos[:, addresses]
            past = np.maximum(soft_low - angles, 0.0) + np.maximum(angles - soft_high, 0.0)
            return -past.sum(axis=1)

        return beyond
    if isinstance(term, TerminatedTerm):
        if not task.termination:
            raise RlkitError(f"{at}: the terminated term needs env.task.termination (the conditions it pays)")
        ended = TerminationTerms(model, task.termination)
        return lambda sims, action, previous: ended(sims).astype(np.float64)
    if isinstance(term, UndesiredContactsTerm):
        columns = contact_columns(model, term.bodies, at)
        return lambda sims, action, previous: (
            -(sims.sensordata[:, columns] > 0).sum(axis=1).astype(np.float64)
        )
    return locomotion_term(model, term, task, at)


def contact_columns(model: mujoco.MjModel, bodies: str, at: str) -> np.ndarray:
    """The ``sensordata`` columns of the contact sensors of the bodies ``bodies`` matches (the sensors the
    env added to the model, :func:`~rlkit.envs.contact_sensors.add_contact_sensors`)."""
    names = entity_names(model, mujoco.mjtObj.mjOBJ_BODY)
    columns = []
    for body in matching_bodies(names, bodies, f"{at}.bodies"):
        sensor = resolve_id(model, mujoco.mjtObj.mjOBJ_SENSOR, contact_sensor_name(body), at)
        columns.append(int(model.sensor_adr[sensor]))
    return np.asarray(columns, dtype=np.int64)


class RewardTerms:
    """The weighted sum of reward terms over the batch, with each weighted term reported for logging; raised
    to ``task.reward_floor`` where the task sets one (the terms are reported as they are).

    A repeated term is labelled ``<term>_<index>``.

    Args:
        model: The compiled model, to resolve names.
        terms: The declared terms.
        where: Config path of the term list, for error messages.
        task: The task they belong to (its commands, feet and default pose, for the locomotion terms).
    """

    def __init__(
        self,
        model: mujoco.MjModel,
        terms: Sequence[RewardTerm],
        where: str = "env.task.reward",
        task: TaskConfig | None = None,
    ) -> None:
        task = task if task is not None else TaskConfig()
        self._floor = task.reward_floor
        self._terms: list[tuple[str, float, ArrayTerm]] = []
        #: The labels of the terms added after the floor (a termination's penalty).
        self._after_floor: set[str] = set()
        labels: set[str] = set()
        for i, term in enumerate(terms):
            label = term.term if term.term not in labels else f"{term.term}_{i}"
            labels.add(label)
            self._terms.append((label, term.weight, _reward_term(model, term, task, f"{where}[{i}]")))
            if isinstance(term, TerminatedTerm):
                self._after_floor.add(label)

    def __call__(
        self, sims: SimArrays, action: np.ndarray, previous_action: np.ndarray
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Each sim's reward for the step just taken, ``(num_envs,)``, and each weighted term."""
        values = {
            label: weight * value(sims, action, previous_action) for label, weight, value in self._terms
        }
        total = np.zeros(sims.num_envs)  # summed in order from 0, as Python's sum() does per env
        for label, value in values.items():
            if label not in self._after_floor:
                total = total + value
        if self._floor is not None:
            total = np.maximum(total, self._floor)
        for label in self._after_floor:
            total = total + values[label]
        return total, values


class TerminationTerms:
    """True for each sim where any declared condition holds: a body's height or tilt, or the distance
    between two sites, has left its range, or a watched body touches something.

    Args:
        model: The compiled model, to resolve names (a ``body_contact`` condition reads the contact sensors
            :func:`~rlkit.envs.contact_sensors.add_contact_sensors` added to it).
        terms: The declared conditions.
        where: Config path of the term list, for error messages.
    """

    def __init__(
        self, model: mujoco.MjModel, terms: Sequence[TerminationTerm], where: str = "env.task.termination"
    ) -> None:
        self._ranges: list[tuple[Callable[[SimArrays], np.ndarray], float, float]] = []
        watched: list[int] = []
        for i, term in enumerate(terms):
            at = f"{where}[{i}]"
            if isinstance(term, BodyContactTermination):
                watched.extend(contact_columns(model, term.bodies, at))
                continue
            self._ranges.append(
                (
                    _watched_value(model, term, at),
                    -np.inf if term.min is None else term.min,
                    np.inf if term.max is None else term.max,
                )
            )
        self._contact_columns = np.asarray(watched, dtype=np.int64)

    def __call__(self, sims: SimArrays) -> np.ndarray:
        """Whether each sim's episode has ended in its current state, ``(num_envs,)`` bool."""
        ended = np.zeros(sims.num_envs, dtype=bool)
        for value_of, low, high in self._ranges:
            value = value_of(sims)
            ended |= ~((low <= value) & (value <= high))
        if self._contact_columns.size:
            ended |= (sims.sensordata[:, self._contact_columns] > 0).any(axis=1)
        return ended


def _watched_value(
    model: mujoco.MjModel, term: TerminationTerm, at: str
) -> Callable[[SimArrays], np.ndarray]:
    """What a range condition watches, per sim: a body's height or tilt, or a distance between sites."""
    if isinstance(term, SiteDistanceTermination):
        site = mujoco.mjtObj.mjOBJ_SITE
        a = resolve_id(model, site, term.site_a, f"{at}.site_a")
        b = resolve_id(model, site, term.site_b, f"{at}.site_b")
        return lambda sims: -site_distance(sims, a, b)
    assert not isinstance(term, BodyContactTermination)
    body = resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, term.body, f"{at}.body")
    if isinstance(term, BodyTiltTermination):
        return lambda sims: body_tilt(sims, body)
    return lambda sims: sims.xpos[:, body, 2]
