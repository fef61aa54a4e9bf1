"""A camera model applied to an env's image observations."""

from __future__ import annotations

from typing import Any, Literal

import gymnasium as gym
import numpy as np

from rlkit.config.camera import CameraModelConfig
from rlkit.vision.camera.pipeline import CameraModel

Layout = Literal["auto", "hwc", "chw", "hw"]


def _layout(shape: tuple[int, ...]) -> str:
    """``"hw"``, ``"hwc"`` or ``"chw"``, by :func:`rlkit.nn.encoders.image_layout`'s rule (repeated here so
    that ``vision`` needs neither torch nor ``rlkit.nn``): channel-last only when the last axis has 1 or 3
    channels and the first does not; a channel-last stack of several cameras needs ``layout="hwc"``."""
    if len(shape) == 2:
        return "hw"
    if shape[-1] in (1, 3) and shape[0] not in (1, 3):
        return "hwc"
    return "chw"


class CameraObservation(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Shows the agent ``env``'s images through a :class:`CameraModel`.

    The image is the whole observation (a ``uint8`` Box) or the entry ``key`` of a Dict observation. It may
    hold one camera or a stack of several: ``(H, W)``, channel-last ``(H, W, C)`` or channel-first
    ``(C, H, W)``, with ``C`` a multiple of 3 (RGB cameras, one after another) or 1 (one grayscale camera).
    Every camera gets its own model, with its own streams (``"camera/0"``, ``"camera/1"``, ...), so two
    cameras never share a noise pattern. The observation space follows a resize or a one-channel grayscale.

    ``reset(seed=...)`` re-seeds the models from ``seed`` (``None``: their streams continue) and draws the
    per-episode parameters, reported in ``info["camera"]`` as a flat dict of floats (``"exposure/gamma"``;
    ``"camera1/exposure/gamma"`` for the second of several cameras).

    Args:
        env: The env whose images are seen through the camera.
        config: The camera model.
        key: The image's entry in a Dict observation (``None``: the observation is the image).
        layout: ``"auto"`` to infer the image's layout from its shape, or ``"hwc"``, ``"chw"``, ``"hw"``.

    Attributes:
        models: One camera model per camera in the image.
        raw_observation: The last image before the camera model (the entry ``key`` for a Dict
            observation), e.g. for a side-by-side video of what was rendered and what the agent saw.

    Raises:
        ValueError: The image is not a ``uint8`` Box of a layout above, or ``key`` is not in the Dict.
    """

    def __init__(
        self, env: gym.Env, config: CameraModelConfig, key: str | None = None, layout: Layout = "auto"
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, config=config, key=key, layout=layout)
        gym.ObservationWrapper.__init__(self, env)
        space = env.observation_space
        dict_spaces: dict[str, gym.Space[Any]] = {}  # a Dict observation's entries
        if key is not None:
            if not isinstance(space, gym.spaces.Dict) or key not in space.spaces:
                known = sorted(space.spaces) if isinstance(space, gym.spaces.Dict) else "none (not a Dict)"
                raise ValueError(f"CameraObservation key {key!r} is not in the observation; keys: {known}")
            dict_spaces = dict(space.spaces)
            space = space.spaces[key]
        if not isinstance(space, gym.spaces.Box) or space.dtype != np.uint8 or len(space.shape) not in (2, 3):
            raise ValueError(f"CameraObservation needs a uint8 image Box (2 or 3 axes), got {space}")
        self.key = key
        self.layout = _layout(space.shape) if layout == "auto" else layout
        if self.layout not in ("hw", "hwc", "chw") or (self.layout == "hw") != (len(space.shape) == 2):
            raise ValueError(
                f"CameraObservation layout {layout!r} does not fit an image shaped {space.shape}"
            )
        if self.layout == "hw":
            height, width, depth = *space.shape, 0
        elif self.layout == "hwc":
            height, width, depth = space.shape
        else:
            depth, height, width = space.shape
        if depth not in (0, 1) and depth % 3:
            raise ValueError(
                f"CameraObservation needs 1 or a multiple of 3 channels (RGB cameras), got {depth} "
                f"in an image shaped {space.shape} read as {self.layout!r}"
            )
        self._depth = max(depth, 1) if depth in (0, 1) else 3  # channels of one camera
        cameras = 1 if depth in (0, 1) else depth // 3
        self.models = [CameraModel.from_config(config, name=f"camera/{i}") for i in range(cameras)]
        camera_shape = (height, width) if self.layout == "hw" else (height, width, self._depth)
        out = self.models[0].output_shape(camera_shape)
        if self.layout == "hw":
            shape = out
        else:
            out_depth = 1 if len(out) == 2 else out[2]
            self._out_depth = out_depth
            shape = (
                (*out[:2], cameras * out_depth) if self.layout == "hwc" else (cameras * out_depth, *out[:2])
            )
        image_space = gym.spaces.Box(0, 255, shape, np.uint8)
        if key is None:
            self.observation_space = image_space
        else:
            self.observation_space = gym.spaces.Dict({**dict_spaces, key: image_space})
        self._image_shape = shape
        self.raw_observation: np.ndarray | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict]:
        """Reset ``env`` and start a camera episode: re-seed from ``seed`` and draw per-episode parameters."""
        observation, info = self.env.reset(seed=seed, options=options)
        for model in self.models:
            model.reset(seed)
        info = {**info, "camera": self.camera_parameters()}
        return self.observation(observation), info

    def camera_parameters(self) -> dict[str, float]:
        """The per-episode parameters of every camera, flat (the second camera's keys start ``camera1/``)."""
        if len(self.models) == 1:
            return self.models[0].parameters
        return {
            f"camera{i}/{name}": value
            for i, model in enumerate(self.models)
            for name, value in model.parameters.items()
        }

    def observation(self, observation: Any) -> Any:
        """The observation with its image seen through the camera models (new arrays, the input unchanged)."""
        image = np.asarray(observation[self.key] if self.key is not None else observation)
        self.raw_observation = image
        seen = self._see(image)
        if self.key is None:
            return seen
        return {**observation, self.key: seen}

    def _see(self, image: np.ndarray) -> np.ndarray:
        if self.layout == "hw" or (len(self.models) == 1 and self.layout == "hwc"):
            return self.models[0](image)
        result = np.empty(self._image_shape, np.uint8)
        depth, out_depth = self._depth, self._out_depth
        for i, model in enumerate(self.models):
            if self.layout == "hwc":
                camera = np.ascontiguousarray(image[:, :, i * depth : (i + 1) * depth])
                seen = model(camera)
                result[:, :, i * out_depth : (i + 1) * out_depth] = seen.reshape(*seen.shape[:2], out_depth)
            else:
                camera = np.ascontiguousarray(image[i * depth : (i + 1) * depth].transpose(1, 2, 0))
                seen = model(camera)
                result[i * out_depth : (i + 1) * out_depth] = seen.reshape(
                    *seen.shape[:2], out_depth
                ).transpose(2, 0, 1)
        return result
