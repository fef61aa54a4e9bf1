"""Optical blur: motion blur along a line and defocus blur with a disk."""

from __future__ import annotations

import cv2
import numpy as np

from rlkit.vision.camera.transform import CameraTransform, Per, RangeLike, as_range, like


def motion_kernel(length: int, angle: float) -> np.ndarray:
    """A normalized square kernel: a line ``length`` pixels long and one wide through the centre, at
    ``angle`` degrees counter-clockwise from horizontal as seen on screen.

    Each cell's weight is the fraction of 8 × 8 sample points inside the line, so that a line at any angle
    has the same length and weight, not a staircase that favours the axes. The kernel's side is odd (the
    length, or one more) so that its centre is a pixel and the blur does not shift the image.
    """
    if length <= 1:
        return np.ones((1, 1), np.float32)
    samples = 8
    side = length | 1
    # Sample points of every cell, relative to the kernel's centre; rows grow downward, hence -sin.
    offsets = (np.arange(side * samples) + 0.5) / samples - side / 2
    x, y = offsets[None, :], offsets[:, None]
    cos, sin = np.cos(np.radians(angle)), -np.sin(np.radians(angle))
    along, across = x * cos + y * sin, -x * sin + y * cos
    inside = (np.abs(along) <= length / 2) & (np.abs(across) <= 0.5)
    kernel = inside.reshape(side, samples, side, samples).mean(axis=(1, 3)).astype(np.float32)
    return kernel / kernel.sum()


def disk_kernel(radius: float) -> np.ndarray:
    """A normalized disk of ``radius`` pixels with an anti-aliased edge (so that the blur grows smoothly)."""
    if radius <= 0:
        return np.ones((1, 1), np.float32)
    half = int(np.ceil(radius))
    offsets = np.arange(-half, half + 1)
    distance = np.hypot(offsets[:, None], offsets[None, :])
    kernel = np.clip(radius + 0.5 - distance, 0.0, 1.0).astype(np.float32)
    return kernel / kernel.sum()


class _KernelBlur(CameraTransform):
    """Convolves the image with a kernel rebuilt whenever the parameters are drawn."""

    _kernel = np.ones((1, 1), np.float32)

    def apply(self, image: np.ndarray) -> np.ndarray:
        if self._kernel.shape == (1, 1):
            return image.copy()
        # Reflecting the border keeps edges from darkening (a zero border would bleed black in).
        return like(cv2.filter2D(image, -1, self._kernel, borderType=cv2.BORDER_REFLECT_101), image)


class MotionBlur(_KernelBlur):
    """Blurs along a line of ``length`` pixels at ``angle`` degrees (0: horizontal, 90: vertical).

    With ``per="episode"`` (the default) each episode has its own blur direction and length; the kernel is
    built once per draw.

    Args:
        length: Kernel length in pixels, rounded (1: no blur).
        angle: Direction in degrees, counter-clockwise from horizontal.
        per: Draw length and angle per ``"episode"`` or per ``"frame"``.
    """

    name = "motion_blur"

    def __init__(
        self, length: RangeLike = (1.0, 5.0), angle: RangeLike = (0.0, 180.0), per: Per = "episode"
    ) -> None:
        super().__init__(
            {"length": as_range(length, "length", 1.0, 63.0), "angle": as_range(angle, "angle")}, per
        )

    def _prepare(self) -> None:
        self._kernel = motion_kernel(round(self.parameters["length"]), self.parameters["angle"])


class DefocusBlur(_KernelBlur):
    """Convolves with a disk of ``radius`` pixels: the circle of confusion of an out-of-focus lens.

    Args:
        radius: Disk radius in pixels (0: sharp).
        per: Draw the radius per ``"episode"`` or per ``"frame"``.
    """

    name = "defocus_blur"

    def __init__(self, radius: RangeLike = (0.0, 1.5), per: Per = "episode") -> None:
        super().__init__({"radius": as_range(radius, "radius", 0.0, 31.0)}, per)

    def _prepare(self) -> None:
        self._kernel = disk_kernel(self.parameters["radius"])
