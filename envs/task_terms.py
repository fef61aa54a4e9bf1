"""The library of reward and termination terms a task declares in YAML, compiled against a MuJoCo model.

Each reward term computes a value where larger is better (costs are negative), and the reward is the sum of
``weight * value``. Names of bodies and sites are resolved once, when the env is built, so a misspelled name
fails at load with a line listing the names the model has, not in the middle of training.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

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
from rlkit.errors import RlkitError

if TYPE_CHECKING:
    from rlkit.envs.mujoco_env import MujocoEnv

_AXES = {"x": 0, "y": 1, "z": 2}


def entity_names(model: mujoco.MjModel, kind: mujoco.mjtObj) -> list[str]:
    """Names of the model's entities of one kind (unnamed ones left out)."""
    count = {
        mujoco.mjtObj.mjOBJ_BODY: model.nbody,
        mujoco.mjtObj.mjOBJ_SITE: model.nsite,
        mujoco.mjtObj.mjOBJ_JOINT: model.njnt,
        mujoco.mjtObj.mjOBJ_SENSOR: model.nsensor,
        mujoco.mjtObj.mjOBJ_CAMERA: model.ncam,
        mujoco.mjtObj.mjOBJ_ACTUATOR: model.nu,
    }[kind]
    names = (mujoco.mj_id2name(model, kind, i) for i in range(count))
    return [name for name in names if name]


def resolve_id(model: mujoco.MjModel, kind: mujoco.mjtObj, name: str, where: str) -> int:
    """The id of the entity called ``name``, or a one-line error naming ``where`` and the valid names.

    Args:
        model: The compiled model.
        kind: The entity kind (``mujoco.mjtObj.mjOBJ_BODY``, ...).
        name: The name from the config.
        where: The config key that holds the name, for the message (``env.task.reward[0].body``).
    """
    index = mujoco.mj_name2id(model, kind, name)
    if index < 0:
        noun = kind.name.removeprefix("mjOBJ_").lower()
        names = entity_names(model, kind)
        listed = ", ".join(names[:40]) + (", ..." if len(names) > 40 else "") if names else "none"
        raise RlkitError(f"{where}: the model has no {noun} named '{name}' ({noun} names: {listed})")
    return int(index)


TermValue = Callable[["MujocoEnv", np.ndarray], float]
"""A compiled reward term: its value (before the weight) for the step just taken and its action."""


def _reward_term(model: mujoco.MjModel, term: RewardTerm, at: str) -> TermValue:
    """Compile one declared term into a function, its names resolved now (an error names ``at``)."""

    def body(name: str, key: str = "body") -> int:
        return resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, name, f"{at}.{key}")

    def site(name: str, key: str) -> int:
        return resolve_id(model, mujoco.mjtObj.mjOBJ_SITE, name, f"{at}.{key}")

    if isinstance(term, ForwardVelocityTerm):
        index, axis = body(term.body), _AXES[term.axis]
        return lambda env, action: float(env.body_velocity(index)[axis])
    if isinstance(term, BodyHeightTerm):
        index = body(term.body)
        return lambda env, action: float(env.data.xpos[index, 2])
    if isinstance(term, UprightTerm):
        index = body(term.body)
        return lambda env, action: float(env.data.xmat[index, 8])  # z component of the body's z axis
    if isinstance(term, SiteDistanceTerm):
        a, b = site(term.site_a, "site_a"), site(term.site_b, "site_b")
        return lambda env, action: -float(np.linalg.norm(env.data.site_xpos[a] - env.data.site_xpos[b]))
    if isinstance(term, ControlCostTerm):
        return lambda env, action: -float(np.dot(action, action))
    if isinstance(term, ActionRateCostTerm):

        def action_rate_cost(env: MujocoEnv, action: np.ndarray) -> float:
            change = action - env.previous_action
            return -float(np.dot(change, change))

        return action_rate_cost
    if isinstance(term, AliveBonusTerm):
        return lambda env, action: 1.0
    raise AssertionError(f"unhandled reward term {term.term}")


class RewardFunction:
    """The weighted sum of reward terms, with each weighted term reported for logging.

    Args:
        model: The compiled model, to resolve names.
        terms: The declared terms.
        where: Config path of the term list, for error messages.
    """

    def __init__(self, model: mujoco.MjModel, terms: Sequence[RewardTerm], where: str = "env.task.reward"):
        self._terms: list[tuple[str, float, TermValue]] = []
        labels: set[str] = set()
        for i, term in enumerate(terms):
            label = term.term if term.term not in labels else f"{term.term}_{i}"
            labels.add(label)
            self._terms.append((label, term.weight, _reward_term(model, term, f"{where}[{i}]")))

    def __call__(self, env: MujocoEnv, action: np.ndarray) -> tuple[float, dict[str, float]]:
        """The reward of the step just taken, and each weighted term."""
        values = {label: weight * value(env, action) for label, weight, value in self._terms}
        return sum(values.values()), values


class TerminationCondition:
    """True when any declared condition holds: a body's height or tilt has left its range."""

    def __init__(
        self, model: mujoco.MjModel, terms: Sequence[TerminationTerm], where: str = "env.task.termination"
    ):
        # (body, tilt?, min, max) per condition: the height or the tilt of a body, and its allowed range.
        self._conditions = [
            (
                resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, term.body, f"{where}[{i}].body"),
                isinstance(term, BodyTiltTermination),
                -np.inf if term.min is None else term.min,
                np.inf if term.max is None else term.max,
            )
            for i, term in enumerate(terms)
        ]

    def __call__(self, env: MujocoEnv) -> bool:
        """Whether the episode has ended in the current state."""
        for body, tilt, low, high in self._conditions:
            if tilt:
                value = float(np.arccos(np.clip(env.data.xmat[body, 8], -1.0, 1.0)))
            else:
                value = float(env.data.xpos[body, 2])
            if not low <= value <= high:
                return True
        return False
