"""Physics parameters of a batch of envs, drawn at reset from nominal values into stacks of model fields.

:class:`PhysicsParameters` is physics randomization implemented once, on arrays: it writes each env's
sampled values into ``(num_envs, ...)`` stacks of MuJoCo model fields, the rows of the envs that reset. The
per-env wrapper (:class:`rlkit.envs.randomization.physics.PhysicsRandomization`) hands it its own model's
fields as a batch of one; the ``batched`` rollout backend hands it the per-sim fields of a
``mujoco.batch.Batch`` (``Batch.expand``). Env ``i`` draws from its own stream, seeded as env ``i``'s wrapper
seeds its stream, so both give the same values for the same seeds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import mujoco
import numpy as np

from rlkit.config.sim2real import ParameterRandomization
from rlkit.envs.effects.streams import EnvStreams
from rlkit.envs.randomization.sampling import draw_samples, identity_sample, scale_toward_identity
from rlkit.errors import RlkitError
from rlkit.sim.mujoco_handles import entity_names

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

#: The model fields each parameter writes, named as ``mujoco.batch.Batch.expand`` names them (``opt.``
#: fields live in ``model.opt``).
FIELDS = {
    "body_mass": ("body_mass", "body_inertia"),
    "geom_friction": ("geom_friction",),
    "dof_damping": ("dof_damping",),
    "dof_armature": ("dof_armature",),
    "dof_frictionloss": ("dof_frictionloss",),
    "joint_stiffness": ("jnt_stiffness",),
    "actuator_gain": ("actuator_gainprm", "actuator_biasprm"),
    "actuator_kp": ("actuator_gainprm", "actuator_biasprm"),
    "actuator_kd": ("actuator_biasprm",),
    "actuator_gear": ("actuator_gear",),
    "actuator_ctrlrange": ("actuator_ctrlrange",),
    "gravity": ("opt.gravity",),
    "timestep": ("opt.timestep",),
}

Stacks = Mapping[str, np.ndarray]
"""Each written field's values for every env, ``(num_envs, *field shape)`` (``opt.timestep``:
``(num_envs,)``), by the names of :data:`FIELDS`."""


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
    dofs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # dof_*: dofs of the joints
    dof_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # sample index per dof
    columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # geom_friction: written
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
    """Select the elements ``config.names`` matches and precompute what the target writes."""
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
    target = _Target(config, [names[i] for i in chosen], ids)
    parameter = config.parameter
    if parameter.startswith("dof_"):
        counts = np.array([_DOF_COUNT[int(t)] for t in model.jnt_type[ids]])
        target.dofs = np.concatenate(
            [np.arange(adr, adr + n) for adr, n in zip(model.jnt_dofadr[ids], counts, strict=True)]
        )
        target.dof_owner = np.repeat(np.arange(len(ids)), counts)
    elif parameter == "actuator_gain":
        target.affine = np.flatnonzero(model.actuator_biastype[ids] == mujoco.mjtBias.mjBIAS_AFFINE)
    elif parameter in ("actuator_kp", "actuator_kd"):
        _check_servos(model, target)
    elif parameter == "geom_friction":
        target.columns = np.array(_FRICTION_COLUMNS[config.friction])
    return target


def _check_servos(model: mujoco.MjModel, target: _Target) -> None:
    """A PD gain is a servo's: an actuator with a fixed gain and an affine bias (MuJoCo's position actuator,
    whose force is ``kp (ctrl - q) - kd q̇``)."""
    for actuator, name in zip(target.ids, target.element_names, strict=True):
        servo = (
            model.actuator_gaintype[actuator] == mujoco.mjtGain.mjGAIN_FIXED
            and model.actuator_biastype[actuator] == mujoco.mjtBias.mjBIAS_AFFINE
        )
        if not servo:
            raise RlkitError(
                f"randomization of {target.config.parameter}: actuator '{name}' is not a PD servo (a "
                "<position> actuator: fixed gain, affine bias); use actuator_gain"
            )


#: The model quantities each parameter sets, where two parameters share one: the overall actuator gain scales
#: both PD gains, so it may not be randomized on an actuator together with either.
_QUANTITIES = {
    "actuator_gain": ("actuator_kp", "actuator_kd"),
    "actuator_kp": ("actuator_kp",),
    "actuator_kd": ("actuator_kd",),
}


def _cells(target: _Target) -> list[tuple[str, str, int]]:
    """What a target writes: (quantity, element, friction column) for each element it selects."""
    parameter = target.config.parameter
    return [
        (quantity, name, column)
        for name in target.element_names
        for column in target.columns.tolist() or [0]
        for quantity in _QUANTITIES.get(parameter, (parameter,))
    ]


def _check_no_overlap(targets: list[_Target]) -> None:
    """Each element's parameter (each friction coefficient, each PD gain) may be randomized by one entry
    only."""
    owner: dict[tuple[str, str, int], int] = {}
    for index, target in enumerate(targets):
        for cell in _cells(target):
            quantity, name, _ = cell
            if cell in owner:
                raise RlkitError(
                    f"randomization parameters {owner[cell]} and {index} both randomize "
                    f"{quantity} of '{name}'; select each element in one entry only"
                )
            owner[cell] = index


def entries_overlap(
    model: mujoco.MjModel, first: ParameterRandomization, second: ParameterRandomization
) -> bool:
    """Whether two entries write the same quantity of some element of ``model`` (the entries one
    :class:`PhysicsParameters` refuses together)."""
    return bool(set(_cells(_resolve(model, first))) & set(_cells(_resolve(model, second))))


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
Apply = Callable[[Stacks, Nominal, _Target, np.ndarray, np.ndarray], None]
"""Writes a target's values into the stacks: ``(stacks, nominal, target, envs, samples)``, ``envs`` the
``(r,)`` rows written and ``samples`` their ``(r, len(target.ids))`` samples."""


def _apply_body_mass(
    stacks: Stacks, nominal: Nominal, target: _Target, envs: np.ndarray, samples: np.ndarray
) -> None:
    ids = target.ids
    mass = nominal["body_mass"][ids]
    new = np.maximum(_combine(mass, samples, target.config.mode), np.minimum(mass, _MIN_MASS))
    stacks["body_mass"][envs[:, None], ids] = new
    # Scaling inertia with mass keeps the body's shape (its radii of gyration) unchanged.
    inertia = nominal["body_inertia"][ids] * _ratio(new, mass)[..., None]
    stacks["body_inertia"][envs[:, None], ids] = inertia


def _apply_geom_friction(
    stacks: Stacks, nominal: Nominal, target: _Target, envs: np.ndarray, samples: np.ndarray
) -> None:
    rows, columns = target.ids[:, None], target.columns
    value = _combine(nominal["geom_friction"][rows, columns], samples[..., None], target.config.mode)
    stacks["geom_friction"][envs[:, None, None], rows, columns] = np.maximum(value, 0.0)


def _apply_dof(
    stacks: Stacks, nominal: Nominal, target: _Target, envs: np.ndarray, samples: np.ndarray
) -> None:
    name = target.config.parameter
    value = _combine(nominal[name][target.dofs], samples[:, target.dof_owner], target.config.mode)
    stacks[name][envs[:, None], target.dofs] = np.maximum(value, 0.0)


def _apply_joint_stiffness(
    stacks: Stacks, nominal: Nominal, target: _Target, envs: np.ndarray, samples: np.ndarray
) -> None:
    value = _combine(nominal["jnt_stiffness"][target.ids], samples, target.config.mode)
    stacks["jnt_stiffness"][envs[:, None], target.ids] = np.maximum(value, 0.0)


def _apply_actuator_gain(
    stacks: Stacks, nominal: Nominal, target: _Target, envs: np.ndarray, samples: np.ndarray
) -> None:
    ids = target.ids
    gain = nominal["actuator_gainprm"][ids, 0]
    new = _keep_sign(_combine(gain, samples, target.config.mode), gain)
    stacks["actuator_gainprm"][envs[:, None], ids, 0] = new
    # A servo's bias holds -kp and -kv: scaling them with the gain keeps it a servo (force = kp (ctrl - q)).
    affine = ids[target.affine]
    factor = _ratio(new, gain)[:, target.affine]
    bias = nominal["actuator_biasprm"][affine, 1:3] * factor[..., None]
    stacks["actuator_biasprm"][envs[:, None, None], affine[:, None], np.arange(1, 3)] = bias


def _apply_actuator_kp(
    stacks: Stacks, nominal: Nominal, target: _Target, envs: np.ndarray, samples: np.ndarray
) -> None:
    # a position servo's stiffness sits twice: kp in the gain, -kp in the bias (scaled together)
    ids = target.ids
    kp = nominal["actuator_gainprm"][ids, 0]
    new = np.maximum(_combine(kp, samples, target.config.mode), 0.0)
    stacks["actuator_gainprm"][envs[:, None], ids, 0] = new
    stacks["actuator_biasprm"][envs[:, None], ids, 1] = nominal["actuator_biasprm"][ids, 1] * _ratio(new, kp)


def _apply_actuator_kd(
    stacks: Stacks, nominal: Nominal, target: _Target, envs: np.ndarray, samples: np.ndarray
) -> None:
    kd = -nominal["actuator_biasprm"][target.ids, 2]  # the bias holds -kd
    stacks["actuator_biasprm"][envs[:, None], target.ids, 2] = -np.maximum(
        _combine(kd, samples, target.config.mode), 0.0
    )


def _apply_actuator_gear(
    stacks: Stacks, nominal: Nominal, target: _Target, envs: np.ndarray, samples: np.ndarray
) -> None:
    ids = target.ids
    gear = nominal["actuator_gear"][ids]
    new = _keep_sign(_combine(gear[:, 0], samples, target.config.mode), gear[:, 0])
    # Every gear component scales together, so a site transmission keeps its direction.
    rows = gear * _ratio(new, gear[:, 0])[..., None]
    rows[..., 0] = new
    stacks["actuator_gear"][envs[:, None], ids] = rows


def _apply_actuator_ctrlrange(
    stacks: Stacks, nominal: Nominal, target: _Target, envs: np.ndarray, samples: np.ndarray
) -> None:
    value = _combine(nominal["actuator_ctrlrange"][target.ids], samples[..., None], target.config.mode)
    stacks["actuator_ctrlrange"][envs[:, None], target.ids] = np.sort(value, axis=-1)


def _apply_gravity(
    stacks: Stacks, nominal: Nominal, target: _Target, envs: np.ndarray, samples: np.ndarray
) -> None:
    value = _combine(nominal["opt.gravity"][target.ids], samples, target.config.mode)
    stacks["opt.gravity"][envs[:, None], target.ids] = value


def _apply_timestep(
    stacks: Stacks, nominal: Nominal, target: _Target, envs: np.ndarray, samples: np.ndarray
) -> None:
    value = _combine(nominal["opt.timestep"], samples, target.config.mode)
    stacks["opt.timestep"][envs] = np.maximum(value[:, 0], _MIN_TIMESTEP)


_APPLY: dict[str, Apply] = {
    "body_mass": _apply_body_mass,
    "geom_friction": _apply_geom_friction,
    "dof_damping": _apply_dof,
    "dof_armature": _apply_dof,
    "dof_frictionloss": _apply_dof,
    "joint_stiffness": _apply_joint_stiffness,
    "actuator_gain": _apply_actuator_gain,
    "actuator_kp": _apply_actuator_kp,
    "actuator_kd": _apply_actuator_kd,
    "actuator_gear": _apply_actuator_gear,
    "actuator_ctrlrange": _apply_actuator_ctrlrange,
    "gravity": _apply_gravity,
    "timestep": _apply_timestep,
}


class PhysicsParameters:
    """Model parameters of ``num_envs`` envs, each env's drawn at its reset from the nominal values.

    At construction each entry's ``names`` regex (full match) selects bodies (``body_mass``; the world body is
    never selected), geoms (``geom_friction``), joints (``dof_*``: every dof of the joint;
    ``joint_stiffness``), actuators (``actuator_*``), gravity components ``x``/``y``/``z`` or the single entry
    ``timestep``; unnamed elements are called ``body3``, ``geom0``, ... The nominal value of every field
    written is copied from ``model`` then, and every draw starts from it: values never compound.

    A draw gives each selected element ``nominal × sample`` (mode ``scale``) or ``nominal + sample``
    (``offset``), with the consistency rules of
    :class:`~rlkit.envs.randomization.physics.PhysicsRandomization`, and writes it into the rows of the
    resetting envs of the stacks (:data:`Stacks`). Env ``i`` draws, entry after entry, from its own stream
    ``streams.streams[i]``, named ``stream``.

    Args:
        model: The nominal model, whose elements the entries select.
        parameters: The randomized parameters.
        num_envs: Envs in the batch.
        stream: Name of the random stream; it must differ between effects stacked on one env.

    Attributes:
        fields: The model fields written, as :data:`FIELDS` names them.
        feeds_constants: Whether a written field is one ``mj_setConst`` reads: the constants derived from the
            model (``body_invweight0``, ``actuator_acc0``, ...) must then be recomputed after each draw, for
            the envs drawn. Gravity, the timestep, friction, damping, stiffness, gains and control ranges
            enter none.
        sampled_names: Names of the sampled values, in the order of :attr:`samples`' columns
            (``body_mass/torso``).
        entry_columns: The columns of :attr:`samples` each entry of ``parameters`` fills, in order.
        samples: Each env's samples of its current episode (factors or offsets, after the curriculum
            scale), ``(num_envs, len(sampled_names))``; the identity before the first draw.
        scale: The curriculum scale that the next draws apply (see :meth:`set_scale`).

    Raises:
        RlkitError: A ``names`` regex matches nothing (the message lists the available names), or two entries
            randomize the same element's parameter.
    """

    def __init__(
        self,
        model: mujoco.MjModel,
        parameters: Sequence[ParameterRandomization],
        num_envs: int,
        stream: str = "PhysicsRandomization",
    ) -> None:
        self._targets = [_resolve(model, config) for config in parameters]
        _check_no_overlap(self._targets)
        self.fields = sorted({name for target in self._targets for name in FIELDS[target.config.parameter]})
        self._nominal: Nominal = {name: _read(model, name).copy() for name in self.fields}
        self.feeds_constants = any(name in mujoco.MjModel._setconst_inputs for name in self.fields)
        self.sampled_names = [key for target in self._targets for key in target.keys]
        bounds = np.cumsum([0, *(len(target.keys) for target in self._targets)])
        self.entry_columns = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
        identity = [np.full(len(t.ids), identity_sample(t.config.mode)) for t in self._targets]
        self.samples = np.tile(np.concatenate(identity or [np.zeros(0)]), (num_envs, 1))
        self.streams = EnvStreams(stream, num_envs)
        self.scale = 1.0

    def set_scale(self, scale: float) -> None:
        """Pull the samples of the following draws toward nominal: 0 nominal, 1 the declared ranges.

        Each sample becomes ``identity + scale × (sample - identity)``, identity 1 for a scale and 0 for an
        offset.

        Raises:
            RlkitError: ``scale`` is outside [0, 1].
        """
        if not 0.0 <= scale <= 1.0:
            raise RlkitError(f"randomization scale must be in [0, 1], got {scale}")
        self.scale = float(scale)

    def reset(self, stacks: Stacks, envs: np.ndarray, seeds: Sequence[int | None] | None = None) -> None:
        """Draw the parameters of envs ``envs`` (an index array) and write them into their rows of
        ``stacks``; ``seeds`` (one per env, None: continue) re-seed their streams first."""
        self.streams.reseed(envs, seeds)
        for env in envs.tolist():
            generator = self.streams.generator(env)
            start = 0
            for target in self._targets:
                count, mode = len(target.ids), target.config.mode
                drawn = draw_samples(target.config, generator, count)
                self.samples[env, start : start + count] = scale_toward_identity(drawn, mode, self.scale)
                start += count
        self.write(stacks, envs)

    def write(self, stacks: Stacks, envs: np.ndarray) -> None:
        """Write the current :attr:`samples` of envs ``envs`` into their rows of ``stacks``, from nominal."""
        start = 0
        for target in self._targets:
            count = len(target.ids)
            samples = self.samples[envs, start : start + count]
            _APPLY[target.config.parameter](stacks, self._nominal, target, envs, samples)
            start += count
