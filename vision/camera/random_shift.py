"""DrQ's random shift: replicate-pad, then crop back at a random offset."""

from __future__ import annotations

import cv2
import numpy as np

from rlkit.vision.camera.transform import CameraTransform, Per


class RandomShift(CameraTransform):
    """Pads the image by ``pad`` pixels on every side, repeating its border, and crops the original size at
    an offset drawn uniformly from ``0 .. 2 pad`` along each axis: a translation by up to ``pad`` pixels.

    This is the augmentation of DrQ (Kostrikov et al., 2020). The padded image lives in a buffer reused
    while the size stays the same.

    Args:
        pad: Padding in pixels (0: no shift).
        per: Draw the shift per ``"frame"`` (DrQ's choice, the default) or per ``"episode"``.
    """

    name = "random_shift"

    def __init__(self, pad: int = 4, per: Per = "frame") -> None:
        if pad < 0:
            raise ValueError(f"random_shift pad must be >= 0, got {pad}")
        super().__init__(None, per)
        self.pad = int(pad)
        self._padded = np.zeros(0, np.uint8)
        self.parameters = {"dx": 0.0, "dy": 0.0}

    def _prepare(self) -> None:
        # Integer offsets, drawn here rather than as a continuous range: a shift is a whole number of pixels.
        dy, dx = self.generator.integers(0, 2 * self.pad + 1, size=2).tolist()
        self.parameters = {"dx": float(dx - self.pad), "dy": float(dy - self.pad)}

    def apply(self, image: np.ndarray) -> np.ndarray:
        if self.pad == 0:
            return image.copy()
        p = self.pad
        padded_shape = (image.shape[0] + 2 * p, image.shape[1] + 2 * p, *image.shape[2:])
        if self._padded.shape != padded_shape:
            self._padded = np.empty(padded_shape, np.uint8)
        plane = (
            self._padded.reshape(padded_shape[:2])
            if image.ndim == 3 and image.shape[2] == 1
            else self._padded
        )
        source = image.reshape(image.shape[:2]) if plane.ndim == 2 else image
        cv2.copyMakeBorder(source, p, p, p, p, cv2.BORDER_REPLICATE, dst=plane)
        top, left = int(self.parameters["dy"]) + p, int(self.parameters["dx"]) + p
        return self._padded[top : top + image.shape[0], left : left + image.shape[1]].copy()
