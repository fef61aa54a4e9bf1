"""Visual domain randomization: lights, colours, textures and cameras resampled at each reset from nominal."""

from __future__ import annotations

import re
from dataclasses import dataclass

import gymnasium as gym
import mujoco
import numpy as np

from rlkit.config.vision import (
    CameraRandomization,
    ColorRandomization,
    LightRandomization,
    TextureRandomization,
    VisualRandomizationConfig,
)
from rlkit.errors import RlkitError
from rlkit.sim.episode_randomization import EpisodeRandomization
from rlkit.sim.mujoco_handles import entity_names, mujoco_model_and_data
from rlkit.sim.random_streams import GroupStreams
from rlkit.vision.randomization.texture_patterns import PATTERNS, resized, texture_slots, write_rgb
from rlkit.vision.randomization.texture_upload import upload_textures

__all__ = ["TEXTURE_CODES", "VisualRandomization"]

TEXTURE_CODES = {"nominal": 0, "swap": 1, "checker": 2, "gradient": 3, "noise": 4}
"""``info["visual_randomization"]["texture/<name>"]``: what the texture shows this episode."""

# Every group has its own child stream, in this fixed order, whether configured or not.
_GROUPS = ("lights", "geom_colors", "material_colors", "textures", "cameras")
_AXES = ("x", "y", "z")
_RGB = ("r", "g", "b")
_MIN_FOVY, _MAX_FOVY = 1.0, 179.0  # degrees: a perspective camera needs 0 < fovy < 180

# The model fields a group writes; their nominal values are copied at construction.
_LIGHT_FIELDS = (
    "light_pos",
    "light_pos0",
    "light_poscom0",
    "light_dir",
    "light_dir0",
    "light_diffuse",
    "light_ambient",
    "light_specular",
)
_CAMERA_FIELDS = ("cam_pos", "cam_pos0", "cam_poscom0", "cam_quat", "cam_mat0", "cam_fovy")
_LIGHT_TERMS = ("diffuse", "ambient", "specular")


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise RlkitError(f"{where}: '{pattern}' is not a valid regex ({exc})") from None


def _select(names: list[str], include: str, exclude: str | None, where: str, kind: str) -> list[int]:
    """Indices of the names ``include`` matches and ``exclude`` does not (full matches)."""
    chosen = _compile(include, f"{where}.names")
    left_out = _compile(exclude, f"{where}.exclude") if exclude is not None else None
    ids = [
        i
        for i, name in enumerate(names)
        if chosen.fullmatch(name) and not (left_out is not None and left_out.fullmatch(name))
    ]
    if not ids:
        available = ", ".join(names) if names else "none"
        raise RlkitError(f"{where}: names '{include}' selects no {kind} (available: {available})")
    return ids


def _rotation_matrices(rotation_vectors: np.ndarray) -> np.ndarray:
    """Rodrigues: ``(n, 3)`` rotation vectors to ``(n, 3, 3)`` matrices (exactly the identity for zero)."""
    angle = np.linalg.norm(rotation_vectors, axis=1)
    axis = np.divide(
        rotation_vectors, angle[:, None], out=np.zeros_like(rotation_vectors), where=angle[:, None] > 0
    )
    x, y, z = axis.T
    zero = np.zeros_like(x)
    cross = np.stack([zero, -z, y, z, zero, -x, -y, x, zero], axis=1).reshape(-1, 3, 3)
    sin, cos = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3) + sin * cross + (1 - cos) * (cross @ cross)


def _quaternions(rotation_vectors: np.ndarray) -> np.ndarray:
    """``(n, 3)`` rotation vectors to ``(n, 4)`` unit quaternions ``(w, x, y, z)``."""
    angle = np.linalg.norm(rotation_vectors, axis=1)
    axis = np.divide(
        rotation_vectors, angle[:, None], out=np.zeros_like(rotation_vectors), where=angle[:, None] > 0
    )
    return np.concatenate([np.cos(angle / 2)[:, None], np.sin(angle / 2)[:, None] * axis], axis=1)


def _quaternion_products(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Hamilton products ``a ⊗ b`` of ``(n, 4)`` quaternions."""
    aw, ax, ay, az = a.T
    bw, bx, by, bz = b.T
    return np.stack(
        [
            aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
        ],
        axis=1,
    )


def _body_frames_at_qpos0(model: mujoco.MjModel, bodies: np.ndarray) -> np.ndarray:
    """World orientation ``(n, 3, 3)`` of bodies in the model's reference pose ``qpos0``.

    ``mj_setConst`` stores a tracking camera's or light's offset and orientation in this frame
    (``cam_pos0``, ``cam_mat0``, ``light_dir0``, ...); jitter is written there too, so that the two agree.
    """
    data = mujoco.MjData(model)
    data.qpos[:] = model.qpos0
    mujoco.mj_kinematics(model, data)
    return data.xmat[bodies].reshape(-1, 3, 3).copy()


def _uniform(
    generator: np.random.Generator, half_width: float, shape: tuple[int, ...], scale: float
) -> np.ndarray:
    """Offsets uniform in ±half_width, pulled toward 0 by ``scale`` (drawn whatever the scale, so that the
    stream does not depend on it)."""
    return generator.uniform(-half_width, half_width, shape) * scale


def _factors(
    generator: np.random.Generator, bounds: tuple[float, float], count: int, scale: float
) -> np.ndarray:
    """Factors uniform in [low, high], pulled toward 1 by ``scale``: ``1 + scale (f - 1)``."""
    samples = generator.uniform(bounds[0], bounds[1], count)
    return samples if scale == 1.0 else 1.0 + scale * (samples - 1.0)


@dataclass
class _Selection:
    """The elements a group randomizes, resolved once against the model."""

    ids: np.ndarray
    names: list[str]


class VisualRandomization(EpisodeRandomization, gym.utils.RecordConstructorArgs):
    """Resample the look of a MuJoCo model at every reset, each value from its nominal one.

    Groups (each off unless configured, see :class:`~rlkit.config.vision.VisualRandomizationConfig`):

    * ``lights``: position offset and direction tilt, diffuse / ambient / specular intensity factors and a
      per-channel tint of the selected lights (and the headlight's intensities and tint when asked);
    * ``geom_colors`` / ``material_colors``: brightness factor and per-channel offset of ``geom_rgba`` /
      ``mat_rgba`` (RGB clipped to [0, 1], alpha kept). A geom with a material shows the material's
      colour unless its own ``rgba`` was set, so a model may need either group or both;
    * ``textures``: each selected texture (floor, skybox and any other 2-D or cube texture) is replaced,
      with probability ``probability × scale``, by one of ``methods``: another of the model's textures
      resized (``swap``), or a generated checker, gradient or noise in random colours (see
      :mod:`rlkit.vision.randomization.texture_patterns`); else it shows its nominal pixels;
    * ``cameras``: position offset (in the parent body's frame), a small rotation in the camera's frame,
      and a field-of-view offset of the model's named cameras (the free camera is not part of the model).
      A ``targetbody`` camera's (or light's) orientation is recomputed by MuJoCo every step, so its tilt
      has no effect.

    A tracking camera or light (``mode="track"``/``"trackcom"``) is placed from ``cam_pos0`` /
    ``cam_mat0`` / ``light_dir0``, which ``mj_setConst`` derives from ``cam_pos`` / ``cam_quat`` /
    ``light_dir`` at ``qpos0``; both are written consistently, so a :class:`PhysicsRandomization` that calls
    ``mj_setConst`` keeps the jitter.

    At every reset, before the inner env's reset (which runs forward kinematics, placing cameras and
    lights, and may render the first observation), every written field is restored to its cached nominal
    value and the groups are applied to it, never compounded across episodes. Changed textures are
    re-uploaded to every GL context that renders the model: each
    :class:`~rlkit.vision.pixels.PixelObservation` renderer (whether it wraps this wrapper or is wrapped by
    it) and the env's own ``env.render()`` renderer (see :mod:`rlkit.vision.randomization.texture_upload`).

    Scale: every sample is pulled toward its identity (offset 0, factor 1) by ``scale`` in [0, 1], as the
    physics randomization's curriculum does; a scale of 0 gives the nominal model exactly. The samples
    (after scaling) are reported in ``info["visual_randomization"]`` at reset and every step, flat floats
    named ``light/<name>/position.x``, ``light/<name>/diffuse``, ``headlight/tint.r``,
    ``geom_rgba/<name>/brightness``, ``mat_rgba/<name>/offset.g``, ``texture/<name>`` (a code of
    :data:`TEXTURE_CODES`), ``camera/<name>/rotation.y``, ``camera/<name>/fovy``, ...; and as
    :attr:`sampled_names` / :meth:`sampled_vector` for a privileged observation.

    Randomness: each group draws from its own stream, keyed by ``stream`` and re-seeded by
    ``reset(seed=...)``; a reset without a seed continues the streams, so every episode differs.

    Args:
        env: A MuJoCo env (``env.unwrapped`` has ``model`` and ``data``).
        config: The randomized groups and the scale (default: nothing randomized).
        stream: Name of the random stream; it must differ between effects stacked on one env.

    Raises:
        RlkitError: The env is not a MuJoCo env, a group's ``names`` selects nothing (the message lists the
            available names), a regex is invalid, or ``swap`` is asked of a model with one texture.
    """

    info_key = "visual_randomization"
    #: The episode's look lives in the MjModel and the renderers' textures, drawn (textures generated) at
    #: reset: it cannot be rebuilt from attributes, so a resumed run starts fresh episodes instead.
    state_capturable = False

    def __init__(
        self,
        env: gym.Env,
        config: VisualRandomizationConfig | None = None,
        stream: str = "VisualRandomization",
    ) -> None:
        config = config if config is not None else VisualRandomizationConfig()
        gym.utils.RecordConstructorArgs.__init__(self, config=config, stream=stream)
        gym.Wrapper.__init__(self, env)
        self.config = config
        self._model, _ = mujoco_model_and_data(env, "VisualRandomization")
        model = self._model
        self._streams = GroupStreams(stream, _GROUPS)
        self._scale = float(config.scale)
        self.sampled_names: list[str] = []
        """Names of the sampled values, in the order of :meth:`sampled_vector` (``light/top/diffuse``)."""
        self._nominal: dict[str, np.ndarray] = {}

        self._lights = self._resolve_lights(config.lights) if config.lights else None
        self._geom_colors = (
            self._resolve_colors(config.geom_colors, "geom_colors", "geom_rgba")
            if config.geom_colors
            else None
        )
        self._material_colors = (
            self._resolve_colors(config.material_colors, "material_colors", "mat_rgba")
            if config.material_colors
            else None
        )
        self._textures = self._resolve_textures(config.textures) if config.textures else None
        self._cameras = self._resolve_cameras(config.cameras) if config.cameras else None
        if self._lights is not None:
            self._light_frames = _body_frames_at_qpos0(model, model.light_bodyid[self._lights.ids])
        if self._cameras is not None:
            self._camera_frames = _body_frames_at_qpos0(model, model.cam_bodyid[self._cameras.ids])
        self._nominal_headlight = {term: getattr(model.vis.headlight, term).copy() for term in _LIGHT_TERMS}

        self._record(self._identity_samples())
        self._changed_textures: set[int] = set()  # textures whose tex_data is not nominal now

    # ------------------------------------------------------------------------------------ resolving

    def _cache(self, *fields: str) -> None:
        for field in fields:
            self._nominal[field] = getattr(self._model, field).copy()

    def _resolve_lights(self, config: LightRandomization) -> _Selection:
        model = self._model
        names = entity_names(model, mujoco.mjtObj.mjOBJ_LIGHT, model.nlight, "light")
        pattern = _compile(config.names, "visual_randomization.lights.names")
        if config.headlight and not any(pattern.fullmatch(name) for name in names):
            ids: list[int] = []  # the headlight alone (a model without lights of its own)
        else:
            ids = _select(names, config.names, None, "visual_randomization.lights", "light")
        self._cache(*_LIGHT_FIELDS)
        for i in ids:
            self.sampled_names += [f"light/{names[i]}/position.{axis}" for axis in _AXES]
            self.sampled_names += [f"light/{names[i]}/direction.{axis}" for axis in _AXES]
            self.sampled_names += [f"light/{names[i]}/{term}" for term in _LIGHT_TERMS]
            self.sampled_names += [f"light/{names[i]}/tint.{channel}" for channel in _RGB]
        if config.headlight:
            self.sampled_names += [f"headlight/{term}" for term in _LIGHT_TERMS]
            self.sampled_names += [f"headlight/tint.{channel}" for channel in _RGB]
        return _Selection(np.asarray(ids, dtype=int), [names[i] for i in ids])

    def _resolve_colors(self, config: ColorRandomization, group: str, field: str) -> _Selection:
        model = self._model
        if field == "geom_rgba":
            names = entity_names(model, mujoco.mjtObj.mjOBJ_GEOM, model.ngeom, "geom")
            kind = "geom"
        else:
            names = entity_names(model, mujoco.mjtObj.mjOBJ_MATERIAL, model.nmat, "material")
            kind = "material"
        ids = _select(names, config.names, config.exclude, f"visual_randomization.{group}", kind)
        self._cache(field)
        for i in ids:
            self.sampled_names.append(f"{field}/{names[i]}/brightness")
            self.sampled_names += [f"{field}/{names[i]}/offset.{channel}" for channel in _RGB]
        return _Selection(np.asarray(ids, dtype=int), [names[i] for i in ids])

    def _resolve_textures(self, config: TextureRandomization) -> list[int]:
        """Positions in :attr:`_slots` of the selected textures."""
        self._slots = texture_slots(self._model)
        names = [slot.name for slot in self._slots]
        chosen = _select(names, config.names, config.exclude, "visual_randomization.textures", "texture")
        if "swap" in config.methods and len(self._slots) < 2:
            raise RlkitError(
                "visual_randomization.textures.methods 'swap' needs two textures or more, "
                f"the model has {len(self._slots)}"
            )
        # Nominal pixels of every texture: the selected ones are restored from them, any one is a swap source.
        self._nominal_textures = [slot.view(self._model).copy() for slot in self._slots]
        self.sampled_names += [f"texture/{names[i]}" for i in chosen]
        return chosen

    def _resolve_cameras(self, config: CameraRandomization) -> _Selection:
        model = self._model
        names = entity_names(model, mujoco.mjtObj.mjOBJ_CAMERA, model.ncam, "camera")
        ids = _select(names, config.names, None, "visual_randomization.cameras", "camera")
        self._cache(*_CAMERA_FIELDS)
        for i in ids:
            self.sampled_names += [f"camera/{names[i]}/position.{axis}" for axis in _AXES]
            self.sampled_names += [f"camera/{names[i]}/rotation.{axis}" for axis in _AXES]
            self.sampled_names.append(f"camera/{names[i]}/fovy")
        return _Selection(np.asarray(ids, dtype=int), [names[i] for i in ids])

    def _identity_samples(self) -> np.ndarray:
        """The samples of the nominal model: 1 for factors, 0 for offsets and texture codes."""
        factor = re.compile(r".*/(diffuse|ambient|specular|brightness)$")
        return np.array([1.0 if factor.match(name) else 0.0 for name in self.sampled_names])

    # ------------------------------------------------------------------------------------ public API

    @property
    def visual_randomization_scale(self) -> float:
        """The scale that the next reset applies."""
        return self._scale

    def set_visual_randomization_scale(self, scale: float) -> None:
        """Pull the samples of the following episodes toward nominal: 0 nominal, 1 the declared ranges.

        Named apart from the physics randomization's ``set_randomization_scale`` so that a vector env's
        ``call`` reaches each of them, not whichever wraps the other.

        Raises:
            RlkitError: ``scale`` is outside [0, 1].
        """
        self._set_scale(scale)

    def _reseed(self, seed: int | None) -> None:
        self._streams.reseed(seed)

    def close(self) -> None:
        """Put the nominal look back (the model may outlive this wrapper), then close the env."""
        self._restore()
        if self._changed_textures:
            for index in self._changed_textures:
                self._slots[index].view(self._model)[:] = self._nominal_textures[index]
            upload_textures(self.env, [self._slots[i].id for i in sorted(self._changed_textures)])
            self._changed_textures = set()
        super().close()

    # ----------------------------------------------------------------------------------- sampling

    def _restore(self) -> None:
        """Every written field (textures aside) back to its nominal value."""
        for field, nominal in self._nominal.items():
            getattr(self._model, field)[:] = nominal
        for term, nominal in self._nominal_headlight.items():
            getattr(self._model.vis.headlight, term)[:] = nominal

    def _randomize(self) -> None:
        self._restore()
        config, samples = self.config, []
        if self._lights is not None and config.lights is not None:
            samples.append(self._randomize_lights(config.lights, self._lights))
        if self._geom_colors is not None and config.geom_colors is not None:
            samples.append(
                self._randomize_colors(config.geom_colors, self._geom_colors, "geom_rgba", "geom_colors")
            )
        if self._material_colors is not None and config.material_colors is not None:
            samples.append(
                self._randomize_colors(
                    config.material_colors, self._material_colors, "mat_rgba", "material_colors"
                )
            )
        if self._textures is not None and config.textures is not None:
            samples.append(self._randomize_textures(config.textures, self._textures))
        if self._cameras is not None and config.cameras is not None:
            samples.append(self._randomize_cameras(config.cameras, self._cameras))
        self._record(np.concatenate(samples) if samples else np.zeros(0))

    def _randomize_lights(self, config: LightRandomization, lights: _Selection) -> np.ndarray:
        model, nominal, scale = self._model, self._nominal, self._scale
        generator = self._streams["lights"]
        ids, count = lights.ids, len(lights.ids)
        position = _uniform(generator, config.position, (count, 3), scale)
        rotation = _uniform(generator, config.direction, (count, 3), scale)
        factors = {term: _factors(generator, getattr(config, term), count, scale) for term in _LIGHT_TERMS}
        tint = _uniform(generator, config.tint, (count, 3), scale)
        if count:
            frames = self._light_frames
            world = np.einsum("nij,nj->ni", frames, position)
            model.light_pos[ids] = nominal["light_pos"][ids] + position
            model.light_pos0[ids] = nominal["light_pos0"][ids] + world
            model.light_poscom0[ids] = nominal["light_poscom0"][ids] + world
            direction = np.einsum("nij,nj->ni", _rotation_matrices(rotation), nominal["light_dir"][ids])
            model.light_dir[ids] = direction
            # The change, not the rotated nominal, moves light_dir0: a zero tilt leaves it bit for bit.
            turn = np.einsum("nij,nj->ni", frames, direction - nominal["light_dir"][ids])
            model.light_dir0[ids] = nominal["light_dir0"][ids] + turn
            for term, factor in factors.items():
                field = f"light_{term}"
                getattr(model, field)[ids] = np.maximum(
                    nominal[field][ids] * factor[:, None] * (1.0 + tint), 0.0
                )
        per_light = [position, rotation, *(factor[:, None] for factor in factors.values()), tint]
        parts = [np.concatenate(per_light, axis=1).ravel()]
        if config.headlight:
            headlight = np.array(
                [_factors(generator, getattr(config, term), 1, scale)[0] for term in _LIGHT_TERMS]
            )
            headlight_tint = _uniform(generator, config.tint, (3,), scale)
            for term, factor in zip(_LIGHT_TERMS, headlight, strict=True):
                value = self._nominal_headlight[term] * factor * (1.0 + headlight_tint)
                getattr(model.vis.headlight, term)[:] = np.maximum(value, 0.0)
            parts += [headlight, headlight_tint]
        return np.concatenate(parts)

    def _randomize_colors(
        self, config: ColorRandomization, selection: _Selection, field: str, group: str
    ) -> np.ndarray:
        generator, ids = self._streams[group], selection.ids
        brightness = _factors(generator, config.brightness, len(ids), self._scale)
        offset = _uniform(generator, config.offset, (len(ids), 3), self._scale)
        nominal = self._nominal[field][ids, :3]
        value = nominal * brightness[:, None] + offset
        # Clipped to [0, 1], or to the nominal colour where a model sets one outside (so it is restorable).
        getattr(self._model, field)[ids, :3] = np.clip(
            value, np.minimum(nominal, 0.0), np.maximum(nominal, 1.0)
        )
        return np.concatenate([brightness[:, None], offset], axis=1).ravel()

    def _randomize_textures(self, config: TextureRandomization, chosen: list[int]) -> np.ndarray:
        generator, model = self._streams["textures"], self._model
        chance = config.probability * self._scale
        codes = np.zeros(len(chosen))
        changed: set[int] = set()
        for position, index in enumerate(chosen):
            slot = self._slots[index]
            # Both draws are made for every texture, so one texture's outcome never shifts another's.
            replace = generator.random() < chance
            method = config.methods[int(generator.integers(len(config.methods)))]
            if not replace:
                continue
            if method == "swap":
                source = int(generator.integers(len(self._slots) - 1))
                source += source >= index  # any texture but this one
                rgb = resized(self._nominal_textures[source], slot.height, slot.width)
            else:
                rgb = PATTERNS[method](generator, slot.height, slot.width)
            write_rgb(slot.view(model), rgb)
            codes[position] = TEXTURE_CODES[method]
            changed.add(index)
        for index in self._changed_textures - changed:  # replaced last episode, nominal in this one
            self._slots[index].view(model)[:] = self._nominal_textures[index]
        upload = sorted(changed | self._changed_textures)
        self._changed_textures = changed
        upload_textures(self.env, [self._slots[i].id for i in upload])
        return codes

    def _randomize_cameras(self, config: CameraRandomization, cameras: _Selection) -> np.ndarray:
        model, nominal, scale = self._model, self._nominal, self._scale
        generator = self._streams["cameras"]
        ids, count = cameras.ids, len(cameras.ids)
        position = _uniform(generator, config.position, (count, 3), scale)
        rotation = _uniform(generator, config.rotation, (count, 3), scale)
        fovy = _uniform(generator, config.fovy, (count,), scale)
        world = np.einsum("nij,nj->ni", self._camera_frames, position)
        model.cam_pos[ids] = nominal["cam_pos"][ids] + position
        model.cam_pos0[ids] = nominal["cam_pos0"][ids] + world
        model.cam_poscom0[ids] = nominal["cam_poscom0"][ids] + world
        # A rotation in the camera's own frame: right-multiplied on its local and its qpos0 orientation.
        model.cam_quat[ids] = _quaternion_products(nominal["cam_quat"][ids], _quaternions(rotation))
        turned = nominal["cam_mat0"][ids].reshape(-1, 3, 3) @ _rotation_matrices(rotation)
        model.cam_mat0[ids] = turned.reshape(-1, 9)
        nominal_fovy = nominal["cam_fovy"][ids]
        model.cam_fovy[ids] = np.clip(
            nominal_fovy + fovy, np.minimum(nominal_fovy, _MIN_FOVY), np.maximum(nominal_fovy, _MAX_FOVY)
        )
        return np.concatenate([position, rotation, fovy[:, None]], axis=1).ravel()
