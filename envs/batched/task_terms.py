"""The task-term library of :mod:`rlkit.envs.task_terms`, computed for every sim of a batch at once.

Each term here is the array form of the term of the same name there, and computes, row by row, the very
float operations the per-env term does (``np.vecdot`` is the per-row ``np.dot``), so that a batch and a loop
of ``MujocoEnv`` give bit-identical rewards and terminations. A term reads the live arrays of a
:class:`~rlkit.envs.batched.sim_batch.SimBatch` and returns one value per sim, ``(num_envs,)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mujoco
import numpy as np

from rlkit.config.sim2real import (
    ActionRateCostTerm,
    AliveBonusTerm,
    BodyHeightTerm,
    BodyTiltTermination,
    ControlCostTerm,
    ForwardVelocityTerm,
    RewardTerm,
    SiteDistanceTerm,
    TerminationTerm,
    UprightTerm,
)
from rlkit.envs.batched.sim_batch import SimBatch
from rlkit.envs.task_terms import resolve_id

_AXES = {"x": 0, "y": 1, "z": 2}

ArrayTerm = Callable[[SimBatch, np.ndarray, np.ndarray], np.ndarray]
"""A compiled reward term on arrays: ``(sims, action, previous_action) -> (num_envs,)`` values, before the
weight, for the step just taken; actions are ``(num_envs, nu)`` float64."""


def forward_velocity(sims: SimBatch, body: int, axis: int) -> np.ndarray:
    """Velocity of each sim's body origin along ``axis`` over the step just taken, from its two positions."""
    return (sims.xpos[:, body, axis] - sims.xpos_before[:, body, axis]) / sims.dt


def body_height(sims: SimBatch, body: int) -> np.ndarray:
    """World height of each sim's body origin."""
    return sims.xpos[:, body, 2].copy()


def upright(sims: SimBatch, body: int) -> np.ndarray:
    """The z component of each sim's body z axis (1 upright, -1 upside down)."""
    return sims.xmat[:, body, 8].copy()


def body_tilt(sims: SimBatch, body: int) -> np.ndarray:
    """The angle (radians) between each sim's body z axis and the world's."""
    return np.arccos(np.clip(sims.xmat[:, body, 8], -1.0, 1.0))


def site_distance(sims: SimBatch, site_a: int, site_b: int) -> np.ndarray:
    """Minus the distance between two sites of each sim."""
    difference = sims.site_xpos[:, site_a] - sims.site_xpos[:, site_b]
    return -np.sqrt(np.vecdot(difference, difference))


def squared_norm(values: np.ndarray) -> np.ndarray:
    """``np.dot(v, v)`` of each row, to the bit (``np.vecdot`` runs ``np.dot``'s inner loop)."""
    return np.vecdot(values, values)


def _reward_term(model: mujoco.MjModel, term: RewardTerm, at: str) -> ArrayTerm:
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
    if isinstance(term, ControlCostTerm):
        return lambda sims, action, previous: -squared_norm(action)
    if isinstance(term, ActionRateCostTerm):
        return lambda sims, action, previous: -squared_norm(action - previous)
    if isinstance(term, AliveBonusTerm):
        return lambda sims, action, previous: np.ones(sims.num_envs)
    raise AssertionError(f"unhandled reward term {term.term}")


class ArrayReward:
    """The weighted sum of reward terms over the batch, with each weighted term reported for logging.

    Labels are those of :class:`rlkit.envs.task_terms.RewardFunction` (a repeated term gets ``_<index>``).

    Args:
        model: The compiled model, to resolve names.
        terms: The declared terms.
        where: Config path of the term list, for error messages.
    """

    def __init__(
        self, model: mujoco.MjModel, terms: Sequence[RewardTerm], where: str = "env.task.reward"
    ) -> None:
        self._terms: list[tuple[str, float, ArrayTerm]] = []
        labels: set[str] = set()
        for i, term in enumerate(terms):
            label = term.term if term.term not in labels else f"{term.term}_{i}"
            labels.add(label)
            self._terms.append((label, term.weight, _reward_term(model, term, f"{where}[{i}]")))

    def __call__(
        self, sims: SimBatch, action: np.ndarray, previous_action: np.ndarray
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Each sim's reward for the step just taken, ``(num_envs,)``, and each weighted term."""
        values = {
            label: weight * value(sims, action, previous_action) for label, weight, value in self._terms
        }
        total = np.zeros(sims.num_envs)  # summed in order from 0, as Python's sum() does per env
        for value in values.values():
            total = total + value
        return total, values


class ArrayTermination:
    """True for each sim where any declared condition holds: a body's height or tilt has left its range.

    Args:
        model: The compiled model, to resolve names.
        terms: The declared conditions.
        where: Config path of the term list, for error messages.
    """

    def __init__(
        self, model: mujoco.MjModel, terms: Sequence[TerminationTerm], where: str = "env.task.termination"
    ) -> None:
        self._conditions = [
            (
                resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, term.body, f"{where}[{i}].body"),
                isinstance(term, BodyTiltTermination),
                -np.inf if term.min is None else term.min,
                np.inf if term.max is None else term.max,
            )
            for i, term in enumerate(terms)
        ]

    def __call__(self, sims: SimBatch) -> np.ndarray:
        """Whether each sim's episode has ended in its current state, ``(num_envs,)`` bool."""
        ended = np.zeros(sims.num_envs, dtype=bool)
        for body, tilt, low, high in self._conditions:
            value = body_tilt(sims, body) if tilt else sims.xpos[:, body, 2]
            ended |= ~((low <= value) & (value <= high))
        return ended
