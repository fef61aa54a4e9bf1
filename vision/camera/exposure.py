"""Exposure and tone: contrast about the mean, brightness, gamma, as one table per channel."""

from __future__ import annotations

import numpy as np

from rlkit.vision.camera.transform import Per, PointTransform, RangeLike, as_range

_LEVELS = np.arange(256, dtype=np.float64)


class Exposure(PointTransform):
    """``out = 255 ((c (in - m) + m + b) / 255) ^ g``, clipped to 0-255, with ``m`` the image's mean.

    Contrast pivots about the frame's mean intensity (over all channels, rounded to an integer) so that it
    changes spread, not brightness; brightness then shifts, and gamma bends the midtones (``g < 1``
    brightens them) while keeping black and white. The whole curve is a table of 256 entries built once per
    parameters and mean, applied with one ``cv2.LUT``.

    Args:
        brightness: Intensity added, in units 0-255.
        contrast: Scale of deviations from the mean (1: unchanged).
        gamma: Exponent of the tone curve (1: linear).
        per: Draw the parameters per ``"episode"`` or per ``"frame"``.
    """

    name = "exposure"

    def __init__(
        self,
        brightness: RangeLike = (-20.0, 20.0),
        contrast: RangeLike = (0.8, 1.2),
        gamma: RangeLike = (0.8, 1.25),
        per: Per = "episode",
    ) -> None:
        super().__init__(
            {
                "brightness": as_range(brightness, "brightness"),
                "contrast": as_range(contrast, "contrast", minimum=0.0),
                "gamma": as_range(gamma, "gamma", minimum=1e-6),
            },
            per,
        )
        # A contrast that is always 1 makes the table independent of the mean: skip measuring it.
        self.uses_mean = self.ranges["contrast"] != (1.0, 1.0)
        self._tables: dict[tuple[int, int], np.ndarray] = {}

    def _prepare(self) -> None:
        self._tables.clear()

    def table(self, channels: int, mean: int) -> np.ndarray:
        cached = self._tables.get((channels, mean))
        if cached is None:
            p = self.parameters
            linear = (_LEVELS - mean) * p["contrast"] + mean + p["brightness"]
            curve = 255.0 * (np.clip(linear, 0.0, 255.0) / 255.0) ** p["gamma"]
            column = np.rint(curve).astype(np.uint8)
            cached = self._tables[(channels, mean)] = np.repeat(column[:, None], channels, axis=1)
        return cached
