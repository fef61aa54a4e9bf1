"""Physics domain randomization: model parameters resampled at every reset from their nominal values."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import gymnasium as gym
import mujoco
import numpy as np

from rlkit.config.sim2real import ParameterRandomization
from rlkit.envs.randomization.sampling import draw_samples, identity_sample, scale_toward_identity
from rlkit.errors import RlkitError
from rlkit.sim.episode_randomization import EpisodeRandomization
from rlkit.sim.mujoco_handles import entity_names, mujoco_model_and_data
from rlkit.sim.random_stream import RandomStream

# Lower bounds that keep a sampled model simulable; a value is clamped up to them, never rejected.
_MIN_MASS = 1e-6
_MIN_TIMESTEP = 1e-6

_DOF_COUNT = {
    int(mujoco.mjtJoint.mjJNT_FREE): 6,
    int(mujoco.mjtJoint.mjJNT_BALL): 3,
    int(mujoco.mjtJoint.mjJNT_SLIDE): 1,
    int(mujoco.mjtJoint.mjJNT_HINGE): 1,
}
_FRICTION_COLUMNS = {"sliding": [0], "torsional": [1], "rolling": [2], "all": [0, 1, 2]}

# The model fields each parameter writes (``opt.`` fields live in ``model.opt``).
_FIELDS = {
    "body_mass": ("body_mass", "body_inertia"),
    "geom_friction": ("geom_friction",),
    "dof_damping": ("dof_damping",),
    "dof_armature": ("dof_armature",),
    "dof_frictionloss": ("dof_frictionloss",),
    "joint_stiffness": ("jnt_stiffness",),
    "actuator_gain": ("actuator_gainprm", "actuator_biasprm"),
    "actuator_gear": ("actuator_gear",),
    "actuator_ctrlrange": ("actuator_ctrlrange",),
    "gravity": ("opt.gravity",),
    "timestep": ("opt.timestep",),
}
# Gravity and the timestep enter no constant that mj_setConst derives.
_NO_DERIVED_CONSTANTS = {"gravity", "timestep"}


def _candidates(model: mujoco.MjModel, parameter: str) -> tuple[str, np.ndarray, list[str]]:
    """The kind of entity a parameter selects, and the ids and names of those it can select."""
    if parameter == "body_mass":  # the world body (id 0) has no mass to randomize
        names = entity_names(model, mujoco.mjtObj.mjOBJ_BODY, model.nbody, "body")
        return "body", np.arange(1, model.nbody), names[1:]
    if parameter == "geom_friction":
        names = entity_names(model, mujoco.mjtObj.mjOBJ_GEOM, model.ngeom, "geom")
        return "geom", np.arange(model.ngeom), names
    if parameter.startswith("dof_") or parameter == "joint_stiffness":
        names = entity_names(model, mujoco.mjtObj.mjOBJ_JOINT, model.njnt, "joint")
        return "joint", np.arange(model.njnt), names
    if parameter.startswith("actuator_"):
        names = entity_names(model, mujoco.mjtObj.mjOBJ_ACTUATOR, model.nu, "actuator")
        return "actuator", np.arange(model.nu), names
    if parameter == "gravity":
        return "gravity component", np.arange(3), ["x", "y", "z"]
    return "entry", np.zeros(1, dtype=int), ["timestep"]


@dataclass
class _Target:
    """One :class:`ParameterRandomization` resolved against a model: what it writes, precomputed."""

    config: ParameterRandomization
    element_names: list[str]
    ids: np.ndarray  # selected bodies / geoms / joints / actuators / gravity axes (one sample each)
    restore_rows: dict[str, np.ndarray]  # field -> rows this target writes
    dofs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # dof_*: dofs of the joints
    dof_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # sample index per dof
    columns: list[int] = field(default_factory=list)  # geom_friction: coefficients written
    affine: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # gain: positions in ids

    @property
    def keys(self) -> list[str]:
        """``info["randomization"]`` keys: ``parameter/element``, ``timestep`` alone.

        A friction coefficient other than sliding qualifies the parameter: ``geom_friction.torsional/foot``.
        """
        prefix: str = self.config.parameter
        if prefix == "timestep":
            return ["timestep"]
        if prefix == "geom_friction" and self.config.friction != "sliding":
            prefix = f"geom_friction.{self.config.friction}"
        return [f"{prefix}/{name}" for name in self.element_names]


def _resolve(model: mujoco.MjModel, config: ParameterRandomization) -> _Target:
    """Select the elements ``config.names`` matches and precompute the rows the target writes."""
    kind, ids, names = _candidates(model, config.parameter)
    try:
        pattern = re.compile(config.names)
    except re.error as exc:
        raise RlkitError(
            f"randomization of {config.parameter}: names '{config.names}' is not a valid regex ({exc})"
        ) from None
    chosen = [i for i, name in enumerate(names) if pattern.fullmatch(name)]
    if not chosen:
        available = ", ".join(names) if names else "none"
        raise RlkitError(
            f"randomization of {config.parameter}: names '{config.names}' matches no {kind} "
            f"(available: {available})"
        )
    ids = ids[chosen]
    target = _Target(config, [names[i] for i in chosen], ids, {})
    parameter = config.parameter
    if parameter.startswith("dof_"):
        counts = np.array([_DOF_COUNT[int(t)] for t in model.jnt_type[ids]])
        target.dofs = np.concatenate(
            [np.arange(adr, adr + n) for adr, n in zip(model.jnt_dofadr[ids], counts, strict=True)]
        )
        target.dof_owner = np.repeat(np.arange(len(ids)), counts)
        target.restore_rows = {parameter: target.dofs}
    elif parameter == "actuator_gain":
        target.affine = np.flatnonzero(model.actuator_biastype[ids] == mujoco.mjtBias.mjBIAS_AFFINE)
        target.restore_rows = {"actuator_gainprm": ids, "actuator_biasprm": ids[target.affine]}
    else:
        target.restore_rows = {name: ids for name in _FIELDS[parameter]}
    if parameter == "geom_friction":
        target.columns = _FRICTION_COLUMNS[config.friction]
    return target


def _check_no_overlap(targets: list[_Target]) -> None:
    """Each element's parameter (each friction coefficient) may be randomized by one entry only."""
    owner: dict[tuple[str, str, int], int] = {}
    for index, target in enumerate(targets):
        for name in target.element_names:
            for column in target.columns or [0]:
                cell = (target.config.parameter, name, column)
                if cell in owner:
                    raise RlkitError(
                        f"randomization parameters {owner[cell]} and {index} both randomize "
                        f"{target.config.parameter} of '{name}'; select each element in one entry only"
                    )
                owner[cell] = index


def _read(model: mujoco.MjModel, name: str) -> np.ndarray:
    if name == "opt.timestep":
        return np.array([model.opt.timestep])
    return getattr(model.opt, name[4:]) if name.startswith("opt.") else getattr(model, name)


def _combine(nominal: np.ndarray, samples: np.ndarray, mode: str) -> np.ndarray:
    return nominal * samples if mode == "scale" else nominal + samples


def _keep_sign(value: np.ndarray, nominal: np.ndarray) -> np.ndarray:
    """Clamp at zero so that a gain or gear never changes sign (a reversed motor is not a variation)."""
    return np.where(nominal > 0, np.maximum(value, 0.0), np.where(nominal < 0, np.minimum(value, 0.0), value))


def _ratio(value: np.ndarray, nominal: np.ndarray) -> np.ndarray:
    return np.divide(value, nominal, out=np.ones_like(value), where=nominal != 0)


Nominal = dict[str, np.ndarray]


def _apply_body_mass(model: mujoco.MjModel, nominal: Nominal, target: _Target, samples: np.ndarray) -> None:
    ids = target.ids
    mass = nominal["body_mass"][ids]
    new = np.maximum(_combine(mass, samples, target.config.mode), np.minimum(mass, _MIN_MASS))
    model.body_mass[ids] = new
    # Scaling inertia with mass keeps the body's shape (its radii of gyration) unchanged.
    model.body_inertia[ids] = nominal["body_inertia"][ids] * _ratio(new, mass)[:, None]


def _apply_geom_friction(
    model: mujoco.MjModel, nominal: Nominal, target: _Target, samples: np.ndarray
) -> None:
    rows, columns = target.ids[:, None], target.columns
    value = _combine(nominal["geom_friction"][rows, columns], samples[:, None], target.config.mode)
    model.geom_friction[rows, columns] = np.maximum(value, 0.0)


def _apply_dof(model: mujoco.MjModel, nominal: Nominal, target: _Target, samples: np.ndarray) -> None:
    name = target.config.parameter
    value = _combine(nominal[name][target.dofs], samples[target.dof_owner], target.config.mode)
    getattr(model, name)[target.dofs] = np.maximum(value, 0.0)


def _apply_joint_stiffness(
    model: mujoco.MjModel, nominal: Nominal, target: _Target, samples: np.ndarray
) -> None:
    value = _combine(nominal["jnt_stiffness"][target.ids], samples, target.config.mode)
    model.jnt_stiffness[target.ids] = np.maximum(value, 0.0)


def _apply_actuator_gain(
    model: mujoco.MjModel, nominal: Nominal, target: _Target, samples: np.ndarray
) -> None:
    ids = target.ids
    gain = nominal["actuator_gainprm"][ids, 0]
    new = _keep_sign(_combine(gain, samples, target.config.mode), gain)
    model.actuator_gainprm[ids, 0] = new
    # A servo's bias holds -kp and -kv: scaling them with the gain keeps it a servo (force = kp (ctrl - q)).
    affine = ids[target.affine]
    factor = _ratio(new, gain)[target.affine]
    model.actuator_biasprm[affine, 1:3] = nominal["actuator_biasprm"][affine, 1:3] * factor[:, None]


def _apply_actuator_gear(
    model: mujoco.MjModel, nominal: Nominal, target: _Target, samples: np.ndarray
) -> None:
    ids = target.ids
    gear = nominal["actuator_gear"][ids]
    new = _keep_sign(_combine(gear[:, 0], samples, target.config.mode), gear[:, 0])
    # Every gear component scales together, so a site transmission keeps its direction.
    rows = gear * _ratio(new, gear[:, 0])[:, None]
    rows[:, 0] = new
    model.actuator_gear[ids] = rows


def _apply_actuator_ctrlrange(
    model: mujoco.MjModel, nominal: Nominal, target: _Target, samples: np.ndarray
) -> None:
    value = _combine(nominal["actuator_ctrlrange"][target.ids], samples[:, None], target.config.mode)
    model.actuator_ctrlrange[target.ids] = np.sort(value, axis=1)


def _apply_gravity(model: mujoco.MjModel, nominal: Nominal, target: _Target, samples: np.ndarray) -> None:
    model.opt.gravity[target.ids] = _combine(nominal["opt.gravity"][target.ids], samples, target.config.mode)


def _apply_timestep(model: mujoco.MjModel, nominal: Nominal, target: _Target, samples: np.ndarray) -> None:
    value = _combine(nominal["opt.timestep"], samples, target.config.mode)
    model.opt.timestep = max(float(value[0]), _MIN_TIMESTEP)


_APPLY: dict[str, Callable[[mujoco.MjModel, Nominal, _Target, np.ndarray], None]] = {
    "body_mass": _apply_body_mass,
    "geom_friction": _apply_geom_friction,
    "dof_damping": _apply_dof,
    "dof_armature": _apply_dof,
    "dof_frictionloss": _apply_dof,
    "joint_stiffness": _apply_joint_stiffness,
    "actuator_gain": _apply_actuator_gain,
    "actuator_gear": _apply_actuator_gear,
    "actuator_ctrlrange": _apply_actuator_ctrlrange,
    "gravity": _apply_gravity,
    "timestep": _apply_timestep,
}


class PhysicsRandomization(EpisodeRandomization, gym.utils.RecordConstructorArgs):
    """Resample MuJoCo model parameters at every reset, each from its nominal value.

    At construction each entry's ``names`` regex (full match) selects bodies (``body_mass``; the world body is
    never selected), geoms (``geom_friction``), joints (``dof_*``: every dof of the joint;
    ``joint_stiffness``), actuators (``actuator_*``), gravity components ``x``/``y``/``z`` or the single entry
    ``timestep``; unnamed elements are called ``body3``, ``geom0``, ... The nominal value of every field the
    wrapper writes is copied then.

    At every reset, before the inner env's reset sets the initial state, the written fields are restored to
    nominal and each element gets ``nominal × sample`` (mode ``scale``) or ``nominal + sample`` (``offset``),
    never compounded across episodes. To stay physically consistent:

    * ``body_mass`` scales the body's inertia by the same ratio;
    * ``actuator_gain`` scales ``gainprm[0]`` and, for an affine bias (a ``<position>`` / ``<velocity>``
      servo), ``biasprm[1:3]`` by the same ratio;
    * ``actuator_gear`` scales the whole gear vector by the ratio of its first component;
    * ``actuator_ctrlrange`` moves both ends (the env's ``action_space`` is not changed: MuJoCo clamps
      controls to the sampled range of a ``ctrllimited`` actuator);
    * values are clamped to valid ones: mass > 0, damping / armature / frictionloss / stiffness / friction
      >= 0, timestep > 0, and a gain or gear keeps its sign;
    * ``mujoco.mj_setConst`` then recomputes the constants derived from the model (``body_invweight0``,
      ``actuator_acc0``, ...).

    The samples (factors or offsets, after the curriculum scale) are reported in ``info["randomization"]`` at
    reset and every step, and as :attr:`sampled_names` / :meth:`sampled_vector` for a privileged observation.

    The wrapper draws from its own stream, re-seeded by ``reset(seed=...)``; a reset without a seed (a vector
    env's autoreset) continues the stream, so every episode gets new samples.

    Args:
        env: A MuJoCo env (``env.unwrapped`` has ``model`` and ``data``).
        parameters: The randomized parameters; none gives the nominal model.
        stream: Name of the random stream; it must differ between effects stacked on one env.

    Raises:
        RlkitError: The env is not a MuJoCo env, a ``names`` regex matches nothing (the message lists the
            available names), or two entries randomize the same element's parameter.
    """

    info_key = "randomization"

    def __init__(
        self,
        env: gym.Env,
        parameters: Sequence[ParameterRandomization] = (),
        stream: str = "PhysicsRandomization",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, parameters=list(parameters), stream=stream)
        gym.Wrapper.__init__(self, env)
        self._model, self._data = mujoco_model_and_data(env, "PhysicsRandomization")
        self._stream = RandomStream(stream)
        self._targets = [_resolve(self._model, config) for config in parameters]
        _check_no_overlap(self._targets)
        fields = {name for target in self._targets for name in _FIELDS[target.config.parameter]}
        self._nominal: Nominal = {name: _read(self._model, name).copy() for name in sorted(fields)}
        # What every reset restores, gathered once: (field name, the model's array or None for the
        # timestep, the rows written, their nominal values). The arrays are views into the model.
        self._restore = [
            (
                name,
                None if name == "opt.timestep" else _read(self._model, name),
                rows,
                self._nominal[name][rows],
            )
            for target in self._targets
            for name, rows in target.restore_rows.items()
        ]
        self._set_const = any(t.config.parameter not in _NO_DERIVED_CONSTANTS for t in self._targets)
        self._scale = 1.0
        self.sampled_names: list[str] = [key for target in self._targets for key in target.keys]
        """Names of the sampled values, in the order of :meth:`sampled_vector` (``body_mass/torso``)."""
        self._record(
            np.concatenate(
                [np.full(len(t.ids), identity_sample(t.config.mode)) for t in self._targets] or [np.zeros(0)]
            )
        )

    @property
    def randomization_scale(self) -> float:
        """The curriculum scale that the next reset applies."""
        return self._scale

    def set_randomization_scale(self, scale: float) -> None:
        """Pull the samples of the following episodes toward nominal: 0 nominal, 1 the declared ranges.

        Each sample becomes ``identity + scale × (sample - identity)``, identity 1 for a scale and 0 for an
        offset. Reachable through ``env.get_wrapper_attr`` (and so a vector env's ``call``).

        Raises:
            RlkitError: ``scale`` is outside [0, 1].
        """
        self._set_scale(scale)

    def _reseed(self, seed: int | None) -> None:
        self._stream.reseed(seed)

    def _randomize(self) -> None:
        model = self._model
        # Restore every written row first: friction entries may share geoms (on other coefficients).
        for _, array, rows, nominal in self._restore:
            if array is None:
                model.opt.timestep = float(nominal[0])
            else:
                array[rows] = nominal
        start = 0
        for target in self._targets:
            count, mode = len(target.ids), target.config.mode
            samples = draw_samples(target.config, self._stream.generator, count)
            samples = scale_toward_identity(samples, mode, self._scale)
            _APPLY[target.config.parameter](model, self._nominal, target, samples)
            self._samples[start : start + count] = samples
            start += count
        self._apply_derived()

    def after_state_restored(self) -> None:
        """Put this episode's samples (restored by :mod:`rlkit.envs.env_state`) back into the model, which
        a checkpoint does not hold; the inner env's data is restored after this."""
        for _, array, rows, nominal in self._restore:
            if array is None:
                self._model.opt.timestep = float(nominal[0])
            else:
                array[rows] = nominal
        start = 0
        for target in self._targets:
            count = len(target.ids)
            _APPLY[target.config.parameter](
                self._model, self._nominal, target, self._samples[start : start + count]
            )
            start += count
        self._apply_derived()

    def _apply_derived(self) -> None:
        model = self._model
        if self._set_const:
            # mj_setConst runs the model at qpos0 and so overwrites data: it must precede the inner reset.
            mujoco.mj_setConst(model, self._data)
        self._record(self._samples)
