"""Vignetting: light falling off towards the corners."""

from __future__ import annotations

import cv2
import numpy as np

from rlkit.vision.camera.transform import CameraTransform, Per, RangeLike, as_range, like


def radius_squared(height: int, width: int) -> np.ndarray:
    """Squared distance of every pixel from the image centre, 1 at the corners, ``(H, W)`` float32."""
    y = (np.arange(height, dtype=np.float32) - (height - 1) / 2) / (height / 2)
    x = (np.arange(width, dtype=np.float32) - (width - 1) / 2) / (width / 2)
    return (y[:, None] ** 2 + x[None, :] ** 2) / 2


class Vignette(CameraTransform):
    """Multiplies each pixel by ``1 - strength × r²``, ``r`` its distance from the centre (1 at a corner).

    The centre keeps its intensity and the corners lose the fraction ``strength`` of it. The gain mask is
    computed once per image size and strength (per episode by default) and applied with one
    ``cv2.multiply`` that rounds and saturates to ``uint8``.

    Args:
        strength: Fraction of light lost at the corners, 0-1.
        per: Draw the strength per ``"episode"`` or per ``"frame"``.
    """

    name = "vignette"

    def __init__(self, strength: RangeLike = (0.0, 0.4), per: Per = "episode") -> None:
        super().__init__({"strength": as_range(strength, "strength", 0.0, 1.0)}, per)
        self._masks: dict[tuple[int, ...], np.ndarray] = {}

    def _prepare(self) -> None:
        self._masks.clear()

    def _mask(self, shape: tuple[int, ...]) -> np.ndarray:
        mask = self._masks.get(shape)
        if mask is None:
            gain = 1.0 - self.parameters["strength"] * radius_squared(shape[0], shape[1])
            # cv2.multiply wants as many channels in the mask as in the image.
            mask = self._masks[shape] = (
                np.repeat(gain[:, :, None], shape[2], axis=2) if len(shape) == 3 else gain
            )
        return mask

    def apply(self, image: np.ndarray) -> np.ndarray:
        plane = image.reshape(image.shape[:2]) if image.ndim == 3 and image.shape[2] == 1 else image
        return like(cv2.multiply(plane, self._mask(plane.shape), dtype=cv2.CV_8U), image)
