"""A monochrome camera: conversion to luma."""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from rlkit.vision.camera.transform import CameraTransform, channels


class Grayscale(CameraTransform):
    """Converts RGB to luma (``0.299 R + 0.587 G + 0.114 B``), as 3 equal channels or 1 channel.

    A one-channel output is shaped ``(H, W, 1)``, or ``(H, W)`` for an ``(H, W)`` input. Nothing is random.

    Args:
        channels: 3 to keep the image's shape (equal channels), 1 for one channel.
    """

    name = "grayscale"

    def __init__(self, channels: Literal[1, 3] = 3) -> None:
        super().__init__()
        if channels not in (1, 3):
            raise ValueError(f"grayscale channels must be 1 or 3, got {channels!r}")
        self.channels = channels

    def output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        if self.channels == 3:
            return (*shape[:2], 3)
        return shape[:2] if len(shape) == 2 else (*shape[:2], 1)

    def apply(self, image: np.ndarray) -> np.ndarray:
        if channels(image) == 3:
            grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        else:
            grey = image.reshape(image.shape[:2]).copy()
        if self.channels == 3:
            return cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
        return grey.reshape(self.output_shape(image.shape))
