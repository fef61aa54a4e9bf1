"""The library of reward and termination terms a task declares in YAML, compiled against a MuJoCo model.

Each reward term computes a value where larger is better (costs are negative), and the reward is the sum of
``weight * value``. Names of bodies and sites are resolved once, when the env is built, so a misspelled name
fails at load with a line listing the names the model has, not in the middle of training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import mujoco
import numpy as np

from rlkit.config.sim2real import (
    ActionRateCostTerm,
    AliveBonusTerm,
    BodyHeightTerm,
    BodyHeightTermination,
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
    from envs.mujoco_env import MujocoEnv

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


class RewardFunction:
    """The weighted sum of reward terms, with each weighted term reported for logging.

    Args:
        model: The compiled model, to resolve names.
        terms: The declared terms.
        where: Config path of the term list, for error messages.
    """

    def __init__(self, model: mujoco.MjModel, terms: Sequence[RewardTerm], where: str = "env.task.reward"):
        self.terms = list(terms)
        self.labels: list[str] = []
        self._ids: list[tuple[int, ...]] = []
        for i, term in enumerate(self.terms):
            at = f"{where}[{i}]"
            body = mujoco.mjtObj.mjOBJ_BODY
            if isinstance(term, ForwardVelocityTerm | BodyHeightTerm | UprightTerm):
                ids: tuple[int, ...] = (resolve_id(model, body, term.body, f"{at}.body"),)
            elif isinstance(term, SiteDistanceTerm):
                site = mujoco.mjtObj.mjOBJ_SITE
                ids = (
                    resolve_id(model, site, term.site_a, f"{at}.site_a"),
                    resolve_id(model, site, term.site_b, f"{at}.site_b"),
                )
            else:
                ids = ()
            self._ids.append(ids)
            self.labels.append(term.term if term.term not in self.labels else f"{term.term}_{i}")

    def __call__(self, env: MujocoEnv, action: np.ndarray) -> tuple[float, dict[str, float]]:
        """The reward of the step just taken, and each weighted term."""
        values = {}
        total = 0.0
        for label, term, ids in zip(self.labels, self.terms, self._ids, strict=True):
            value = term.weight * _reward_value(env, term, ids, action)
            values[label] = value
            total += value
        return total, values


def _reward_value(env: MujocoEnv, term: RewardTerm, ids: tuple[int, ...], action: np.ndarray) -> float:
    data = env.data
    if isinstance(term, ForwardVelocityTerm):
        return float(env.body_velocity(ids[0])[_AXES[term.axis]])
    if isinstance(term, BodyHeightTerm):
        return float(data.xpos[ids[0], 2])
    if isinstance(term, UprightTerm):
        return float(data.xmat[ids[0], 8])  # z component of the body's z axis
    if isinstance(term, SiteDistanceTerm):
        return -float(np.linalg.norm(data.site_xpos[ids[0]] - data.site_xpos[ids[1]]))
    if isinstance(term, ControlCostTerm):
        return -float(np.dot(action, action))
    if isinstance(term, ActionRateCostTerm):
        change = action - env.previous_action
        return -float(np.dot(change, change))
    if isinstance(term, AliveBonusTerm):
        return 1.0
    raise AssertionError(f"unhandled reward term {term.term}")


class TerminationCondition:
    """True when any declared condition holds: a body's height or tilt has left its range."""

    def __init__(
        self, model: mujoco.MjModel, terms: Sequence[TerminationTerm], where: str = "env.task.termination"
    ):
        self.terms = list(terms)
        self._bodies = [
            resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, term.body, f"{where}[{i}].body")
            for i, term in enumerate(self.terms)
        ]

    def __call__(self, env: MujocoEnv) -> bool:
        """Whether the episode has ended in the current state."""
        for term, body in zip(self.terms, self._bodies, strict=True):
            if isinstance(term, BodyHeightTermination):
                value = float(env.data.xpos[body, 2])
            elif isinstance(term, BodyTiltTermination):
                value = float(np.arccos(np.clip(env.data.xmat[body, 8], -1.0, 1.0)))
            else:
                raise AssertionError(f"unhandled termination term {term.term}")
            if (term.min is not None and value < term.min) or (term.max is not None and value > term.max):
                return True
        return False
