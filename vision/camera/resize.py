"""The sensor's resolution: resampling to a target size."""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from rlkit.vision.camera.transform import CameraTransform, like

Interpolation = Literal["area", "linear", "cubic", "nearest"]

INTERPOLATIONS: dict[str, int] = {
    "area": cv2.INTER_AREA,
    "linear": cv2.INTER_LINEAR,
    "cubic": cv2.INTER_CUBIC,
    "nearest": cv2.INTER_NEAREST,
}


class Resize(CameraTransform):
    """Resamples the image to ``height × width`` pixels.

    ``"area"`` averages the source pixels under each output pixel, as a sensor's photosites do, and is the
    one to shrink with; ``"linear"`` and ``"cubic"`` interpolate (for enlarging), ``"nearest"`` aliases.
    Nothing is random, so ``per`` does not apply.

    Args:
        height: Output height in pixels.
        width: Output width in pixels.
        interpolation: ``"area"``, ``"linear"``, ``"cubic"`` or ``"nearest"``.
    """

    name = "resize"

    def __init__(self, height: int = 84, width: int = 84, interpolation: Interpolation = "area") -> None:
        super().__init__()
        if height < 1 or width < 1:
            raise ValueError(f"resize needs height and width >= 1, got {height} × {width}")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"resize interpolation must be one of {sorted(INTERPOLATIONS)}, got {interpolation!r}"
            )
        self.height, self.width = int(height), int(width)
        self.interpolation = interpolation
        self._flag = INTERPOLATIONS[interpolation]

    def output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (self.height, self.width, *shape[2:])

    def apply(self, image: np.ndarray) -> np.ndarray:
        if image.shape[:2] == (self.height, self.width):
            return image.copy()
        return like(cv2.resize(image, (self.width, self.height), interpolation=self._flag), image)
