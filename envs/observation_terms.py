"""Observations named by what they are, computed on arrays from a model's state without editing its XML:
for every sim of a batch at once, or for one env as a batch of one.

The terms a legged robot's policy reads (legged_gym, Isaac Lab, MuJoCo Playground): the gravity direction in
the base's frame (which way is down, as an IMU's accelerometer at rest tells it), the base's linear and
angular velocity in its own frame, the joints' angles relative to the default pose and their velocities.
A base is a body with a free joint. Every term is written with elementwise NumPy operations on rows, so that
a batch and a loop of envs agree to the bit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mujoco
import numpy as np

from rlkit.config.sim2real import ObservationTerm
from rlkit.envs.contact_sensors import matching_sites
from rlkit.envs.floating_base import free_joint_of, one_dof_joints, to_body_frame
from rlkit.envs.model_names import entity_names, resolve_id
from rlkit.envs.sim_arrays import SimArrays
from rlkit.errors import RlkitError

ArrayObservation = Callable[[SimArrays, np.ndarray | slice], np.ndarray]
"""A compiled term: ``(sims, rows) -> (len(rows), width)`` float64."""


class ObservationTerms:
    """The named observation terms of a task, their channel names, and their values for rows of sims.

    Args:
        model: The compiled model, to resolve names.
        terms: The declared terms.
        default_qpos: The default pose, ``(nq,)`` (a keyframe's qpos, else ``qpos0``): joint positions are
            observed relative to it.
        where: Config path of the term list, for error messages.
        commanded: Whether the task has velocity commands (the ``commands`` term needs them).

    Raises:
        RlkitError: A term names a body that is not a floating base, or observes commands the task lacks.
    """

    def __init__(
        self,
        model: mujoco.MjModel,
        terms: Sequence[ObservationTerm],
        default_qpos: np.ndarray,
        where: str = "env.task.observations",
        commanded: bool = False,
    ) -> None:
        self.names: list[str] = []
        self._terms: list[ArrayObservation] = []
        for i, term in enumerate(terms):
            at = f"{where}[{i}]"
            if term.term == "commands" and not commanded:
                raise RlkitError(f"{at}: observes the velocity command; set env.task.commands")
            names, compute = self._compile(model, term, default_qpos, at)
            self.names += names
            self._terms.append(compute)

    def __bool__(self) -> bool:
        return bool(self._terms)

    def __call__(self, sims: SimArrays, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """The terms of sims ``rows``, side by side, ``(len(rows), len(names))``."""
        return np.concatenate([term(sims, rows) for term in self._terms], axis=1)

    @staticmethod
    def _compile(
        model: mujoco.MjModel, term: ObservationTerm, default_qpos: np.ndarray, at: str
    ) -> tuple[list[str], ArrayObservation]:
        xyz = [f"{term.term}[{axis}]" for axis in "xyz"]
        if term.term in ("projected_gravity", "base_linear_velocity", "base_angular_velocity"):
            if term.body is None:
                raise RlkitError(f"{at}.body: {term.term} needs the base body's name")
            body = resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, term.body, f"{at}.body")
            if term.term == "projected_gravity":
                return xyz, lambda sims, rows: -sims.xmat[rows, body, 6:9]
            dof = int(model.jnt_dofadr[free_joint_of(model, body, f"{at}.body")])
            if term.term == "base_linear_velocity":  # a free joint's linear velocity is in the world frame
                return xyz, lambda sims, rows: to_body_frame(
                    sims.xmat[rows, body], sims.qvel[rows, dof : dof + 3]
                )
            # ... and its angular velocity in the body's own
            return xyz, lambda sims, rows: sims.qvel[rows, dof + 3 : dof + 6].copy()
        if term.term == "height_scan":
            return _height_scan(model, term, at)
        if term.term == "commands":
            columns = [f"commands[{axis}]" for axis in ("forward", "lateral", "yaw_rate")]
            return columns, lambda sims, rows: sims.state.commands[rows].copy()
        if term.term == "last_action":
            actuator = mujoco.mjtObj.mjOBJ_ACTUATOR
            labels = [mujoco.mj_id2name(model, actuator, i) or f"actuator{i}" for i in range(model.nu)]
            return [f"last_action:{label}" for label in labels], lambda sims, rows: sims.state.last_action[
                rows
            ].copy()
        joints = one_dof_joints(model)
        labels = [mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_JOINT, j) or f"joint{j}" for j in joints]
        names = [f"{term.term}:{label}" for label in labels]
        if term.term == "joint_positions":
            addresses = model.jnt_qposadr[joints]
            default = default_qpos[addresses].copy()
            return names, lambda sims, rows: sims.qpos[rows][:, addresses] - default
        if term.term == "joint_velocities":
            dofs = model.jnt_dofadr[joints]
            return names, lambda sims, rows: sims.qvel[rows][:, dofs]
        raise AssertionError(f"unhandled observation term {term.term}")


def _height_scan(model: mujoco.MjModel, term: ObservationTerm, at: str) -> tuple[list[str], ArrayObservation]:
    """Heights above the ground at a grid of points around the base (or each of ``term.sites``), the grid
    turning with the base's heading (its x axis in the horizontal plane), as legged_gym's height
    measurements read the terrain for a privileged policy."""
    if term.body is None:
        raise RlkitError(f"{at}.body: height_scan needs the base body's name (its heading turns the grid)")
    body = resolve_id(model, mujoco.mjtObj.mjOBJ_BODY, term.body, f"{at}.body")
    length, width = term.size
    along = np.linspace(-length / 2, length / 2, round(length / term.spacing) + 1)
    across = np.linspace(-width / 2, width / 2, round(width / term.spacing) + 1)
    offset_x, offset_y = (grid.ravel() for grid in np.meshgrid(along, across, indexing="ij"))
    points = [f"[{x:+.2f},{y:+.2f}]" for x, y in zip(offset_x, offset_y, strict=True)]
    if term.sites is None:
        sites = None
        names = [f"height_scan{point}" for point in points]
    else:
        site = mujoco.mjtObj.mjOBJ_SITE
        matched = matching_sites(entity_names(model, site), term.sites, f"{at}.sites")
        sites = np.asarray([mujoco.mj_name2id(model, site, name) for name in matched], dtype=np.int64)
        names = [f"height_scan:{site}{point}" for site in matched for point in points]

    def scan(sims: SimArrays, rows: np.ndarray | slice) -> np.ndarray:
        centres = sims.xpos[rows, body][:, None] if sites is None else sims.site_xpos[rows][:, sites]
        heading_x, heading_y = sims.xmat[rows, body, 0], sims.xmat[rows, body, 3]
        norm = np.sqrt(heading_x * heading_x + heading_y * heading_y)
        level = norm > 1e-9  # a base pointing straight up or down has no heading: the world's x
        cos = np.where(level, heading_x / np.where(level, norm, 1.0), 1.0)[:, None, None]
        sin = np.where(level, heading_y / np.where(level, norm, 1.0), 0.0)[:, None, None]
        x = centres[..., 0, None] + cos * offset_x - sin * offset_y
        y = centres[..., 1, None] + sin * offset_x + cos * offset_y
        heights = np.broadcast_to(centres[..., 2, None], x.shape) - sims.state.ground(x, y)
        return heights.reshape(heights.shape[0], -1)

    return names, scan
