"""Camera pixels as observations: one or more MuJoCo cameras rendered channel-first into ``uint8`` images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import mujoco
import numpy as np

from rlkit.config.vision import PixelsConfig
from rlkit.errors import RlkitError
from rlkit.rendering import require_gl_backend
from rlkit.sim.mujoco_handles import entity_names, mujoco_model_and_data
from rlkit.vision.randomization.texture_upload import register_renderer, unregister_renderer

__all__ = ["FREE_CAMERA", "PixelObservation", "camera_names"]

FREE_CAMERA = "free"
"""The name that selects MuJoCo's free camera (id -1), which every model has."""

_TRACKING_CAMERA = "track"  # Gymnasium's locomotion models name their robot-following camera so
_GEOM = int(mujoco.mjtObj.mjOBJ_GEOM)


def camera_names(model: mujoco.MjModel) -> list[str]:
    """Names of the model's cameras by id; an unnamed one is called ``camera3``."""
    return entity_names(model, mujoco.mjtObj.mjOBJ_CAMERA, model.ncam, "camera")


def _resolve_camera(model: mujoco.MjModel, camera: str | int) -> int:
    """A camera id (-1: free) from a name, ``"free"`` or an id, with one clear error for a bad one."""
    names = camera_names(model)
    if isinstance(camera, str) and camera != FREE_CAMERA and camera in names:
        return names.index(camera)
    if camera == FREE_CAMERA:
        return -1
    if isinstance(camera, int) and -1 <= camera < model.ncam:
        return camera
    valid = ", ".join([*names, FREE_CAMERA])
    what = f"camera '{camera}'" if isinstance(camera, str) else f"camera id {camera}"
    ids = f"an id from -1 to {model.ncam - 1}" if model.ncam else "-1; the model has no cameras of its own"
    raise RlkitError(f"pixels: {what} is not in the model (valid: {valid}, or {ids})")


def _default_camera(env: gym.Env, model: mujoco.MjModel) -> int:
    """The camera that shows the robot when the config names none.

    In order: the camera the env renders with (an rlkit task's ``camera``; a Gymnasium MuJoCo env's
    ``camera_id``/``camera_name``), a camera named ``track`` (Gymnasium's locomotion robots follow their
    body with it), the model's first camera, else the free camera.
    """
    base = env.unwrapped
    task_camera = getattr(getattr(base, "task", None), "camera", None)
    if isinstance(task_camera, str):
        return _resolve_camera(model, task_camera)
    gym_camera = getattr(getattr(base, "mujoco_renderer", None), "camera_id", None)
    if isinstance(gym_camera, int) and 0 <= gym_camera < model.ncam:
        return gym_camera
    names = camera_names(model)
    if _TRACKING_CAMERA in names:
        return names.index(_TRACKING_CAMERA)
    return 0 if model.ncam > 0 else -1


def _mjv_camera(env: gym.Env, model: mujoco.MjModel, data: mujoco.MjData, camera_id: int) -> mujoco.MjvCamera:
    """A camera to render from, made once (``update_scene`` would otherwise make one per call).

    The free camera is MuJoCo's default (looking at the model's centre from its extent), with a Gymnasium
    env's ``default_camera_config`` applied as ``env.render()`` applies it.
    """
    camera = mujoco.MjvCamera()
    if camera_id >= 0:
        camera.type = mujoco.mjtCamera.mjCAMERA_FIXED
        camera.fixedcamid = camera_id
        return camera
    mujoco.mjv_defaultFreeCamera(model, camera)
    config = getattr(getattr(env.unwrapped, "mujoco_renderer", None), "default_cam_config", None)
    for key, value in (config or {}).items():
        if isinstance(value, np.ndarray):
            getattr(camera, key)[:] = value
        else:
            setattr(camera, key, value)
    return camera


@dataclass
class _Buffers:
    """Arrays reused by every render: MuJoCo writes into them, observations are copied out of them."""

    rgb: np.ndarray  # (H, W, 3) uint8
    depth: np.ndarray  # (H, W) float32, metres
    segmentation: np.ndarray  # (H, W, 2) int32: object id, object type
    scratch: np.ndarray  # (H, W) float32, for the uint8 depth encoding


class PixelObservation(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Observe what MuJoCo cameras see: ``(C, H, W)`` ``uint8`` images, several cameras along channels.

    Channels go camera by camera; each camera has R, G, B, then a depth channel (``depth: uint8``), then a
    segmentation channel (``segmentation: uint8``). Encodings:

    * ``depth: uint8``: metric depth ``z`` (distance along the camera axis) mapped linearly,
      ``round(255 · (z - near) / (far - near))`` clipped to 0..255, with ``[near, far]`` the config's
      ``depth_range`` or the camera's clipping planes (``model.vis.map.znear`` and ``zfar`` times
      ``model.stat.extent``; empty background reads far, 255). ``depth: float32``: metres, in a Dict key
      ``depth`` shaped ``(cameras, H, W)``.
    * ``segmentation: uint8``: geom id + 1, 0 where no geom is seen (the model must have at most 254
      geoms). ``segmentation: int32``: geom id, -1 for none, in a Dict key ``segmentation``
      ``(cameras, H, W)``.

    The observation is the image Box alone (``mode: pixels``), or a Dict with ``pixels``, the float/int
    keys above when configured, and ``state`` (the wrapped env's observation) in ``mode: pixels_state``.

    Cameras are named, given by id, or ``"free"`` / -1; with none configured, the camera that shows the
    robot is chosen (see :func:`_default_camera`): the env's render camera, a ``track`` camera
    (HalfCheetah-v5, Hopper-v5, ...), the model's first camera, else the free camera (Reacher-v5).

    One ``mujoco.Renderer`` renders every camera; it is made at the first observation (so that building the
    env, e.g. before a subprocess starts, makes no GL context) and reused for every step until
    :meth:`close`. Shadows and reflections are off unless configured: on a CPU OpenGL renderer (Mesa) they
    cost 9-11x the frame time at 84x84 (4-5x at 480x480). Each render writes into preallocated arrays; the
    only per-step allocation of this wrapper is the returned observation, which is a fresh array so that
    callers may keep it (a replay buffer, a vector env's final observation). Depth and segmentation take one
    more render pass each.

    The renderer is registered with :mod:`rlkit.vision.randomization.texture_upload`, so a
    :class:`~rlkit.vision.visual_randomization.VisualRandomization` above or below this wrapper re-uploads the
    textures it changes.

    Args:
        env: A MuJoCo env (``env.unwrapped`` has ``model`` and ``data``).
        config: Cameras, size, mode, depth, segmentation and scene flags (default: 84×84 RGB).

    Raises:
        RlkitError: The env is not a MuJoCo env, a camera is not in the model (the message lists the valid
            ones), uint8 segmentation of a model with over 254 geoms, or no offscreen OpenGL backend.

    Attributes:
        camera_ids: The rendered cameras' ids, in channel order (-1: the free camera).
        camera_names: Their names (``"free"`` for the free camera).
        channels_per_camera: Channels each camera has in ``pixels``.
    """

    def __init__(self, env: gym.Env, config: PixelsConfig | None = None) -> None:
        config = config if config is not None else PixelsConfig()
        gym.utils.RecordConstructorArgs.__init__(self, config=config)
        gym.ObservationWrapper.__init__(self, env)
        self.config = config
        self._model, self._data = mujoco_model_and_data(env, "PixelObservation")
        model = self._model
        # Fail now, with what to install, rather than at the first observation inside a rollout worker.
        require_gl_backend()
        if config.segmentation == "uint8" and model.ngeom > 254:
            raise RlkitError(
                f"pixels.segmentation 'uint8' holds at most 254 geoms, the model has {model.ngeom}: "
                "use 'int32'"
            )
        cameras = config.cameras or [_default_camera(env, model)]
        self.camera_ids = [_resolve_camera(model, camera) for camera in cameras]
        names = camera_names(model)
        self.camera_names = [names[i] if i >= 0 else FREE_CAMERA for i in self.camera_ids]
        self._cameras = [_mjv_camera(env, model, self._data, i) for i in self.camera_ids]

        height, width = config.height, config.width
        # The offscreen framebuffer, sized by the model, must hold the image; enlarging it only costs memory.
        model.vis.global_.offwidth = max(model.vis.global_.offwidth, width)
        model.vis.global_.offheight = max(model.vis.global_.offheight, height)

        self.channels_per_camera = 3 + (config.depth == "uint8") + (config.segmentation == "uint8")
        count = len(self.camera_ids)
        self._pixel_shape = (count * self.channels_per_camera, height, width)
        near, far = config.depth_range or (
            model.vis.map.znear * model.stat.extent,
            model.vis.map.zfar * model.stat.extent,
        )
        self._depth_near, self._depth_scale = float(near), 255.0 / float(far - near)

        pixels = gym.spaces.Box(0, 255, self._pixel_shape, np.uint8)
        spaces: dict[str, gym.Space] = {"pixels": pixels}
        if config.depth == "float32":
            spaces["depth"] = gym.spaces.Box(0.0, np.inf, (count, height, width), np.float32)
        if config.segmentation == "int32":
            spaces["segmentation"] = gym.spaces.Box(
                -1, max(model.ngeom - 1, 0), (count, height, width), np.int32
            )
        if config.mode == "pixels_state":
            spaces["state"] = env.observation_space
        self._dict = len(spaces) > 1
        self.observation_space = gym.spaces.Dict(spaces) if self._dict else pixels

        self._buffers = _Buffers(
            rgb=np.empty((height, width, 3), np.uint8),
            depth=np.empty((height, width), np.float32),
            segmentation=np.empty((height, width, 2), np.int32),
            scratch=np.empty((height, width), np.float32),
        )
        self._renderer: mujoco.Renderer | None = None

    @property
    def renderer(self) -> mujoco.Renderer | None:
        """The renderer (None before the first observation and after :meth:`close`)."""
        return self._renderer

    def _make_renderer(self) -> mujoco.Renderer:
        renderer = mujoco.Renderer(self._model, self.config.height, self.config.width)
        # Scene flags persist across update_scene calls, so they are set once.
        renderer.scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = self.config.shadows
        renderer.scene.flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = self.config.reflections
        register_renderer(self._model, renderer)
        self._renderer = renderer
        return renderer

    def observation(self, observation: Any) -> np.ndarray | dict[str, Any]:
        """Render every camera into a fresh observation (the env's ``observation`` goes under ``state``)."""
        renderer = self._renderer if self._renderer is not None else self._make_renderer()
        config, buffers = self.config, self._buffers
        count, (height, width) = len(self._cameras), self._pixel_shape[1:]
        pixels = np.empty(self._pixel_shape, np.uint8)
        depth = np.empty((count, height, width), np.float32) if config.depth == "float32" else None
        segmentation = np.empty((count, height, width), np.int32) if config.segmentation == "int32" else None
        for index, camera in enumerate(self._cameras):
            channel = index * self.channels_per_camera
            renderer.update_scene(self._data, camera=camera)
            renderer.render(out=buffers.rgb)
            pixels[channel : channel + 3] = buffers.rgb.transpose(2, 0, 1)
            channel += 3
            if config.depth != "off":
                renderer.enable_depth_rendering()
                renderer.render(out=buffers.depth)
                renderer.disable_depth_rendering()
                if depth is not None:
                    depth[index] = buffers.depth
                else:
                    self._encode_depth(pixels[channel])
                    channel += 1
            if config.segmentation != "off":
                renderer.enable_segmentation_rendering()
                renderer.render(out=buffers.segmentation)
                renderer.disable_segmentation_rendering()
                ids, types = buffers.segmentation[:, :, 0], buffers.segmentation[:, :, 1]
                if segmentation is not None:
                    np.copyto(segmentation[index], np.where(types == _GEOM, ids, -1))
                else:
                    np.copyto(pixels[channel], np.where(types == _GEOM, ids + 1, 0), casting="unsafe")
        if not self._dict:
            return pixels
        result: dict[str, Any] = {"pixels": pixels}
        if depth is not None:
            result["depth"] = depth
        if segmentation is not None:
            result["segmentation"] = segmentation
        if config.mode == "pixels_state":
            result["state"] = observation
        return result

    def _encode_depth(self, out: np.ndarray) -> None:
        """Write the depth buffer into ``out`` (uint8), linear over [near, far], without new arrays."""
        scratch = self._buffers.scratch
        np.subtract(self._buffers.depth, self._depth_near, out=scratch)
        np.multiply(scratch, self._depth_scale, out=scratch)
        np.clip(scratch, 0.0, 255.0, out=scratch)
        np.rint(scratch, out=scratch)
        np.copyto(out, scratch, casting="unsafe")

    def close(self) -> None:
        """Release the renderer's GL context, then close the env."""
        if self._renderer is not None:
            unregister_renderer(self._model, self._renderer)
            self._renderer.close()
            self._renderer = None
        super().close()
