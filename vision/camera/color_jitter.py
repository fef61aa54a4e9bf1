"""Colour jitter in HSV: hue rotation, saturation and value scales."""

from __future__ import annotations

import cv2
import numpy as np

from rlkit.vision.camera.transform import CameraTransform, Per, RangeLike, as_range, channels, like

_LEVELS = np.arange(256, dtype=np.float64)


class ColorJitter(CameraTransform):
    """Rotates hue by ``hue_shift`` degrees and scales saturation and value, in OpenCV's full-range HSV.

    The three changes are one table per HSV channel, built when the parameters are drawn, so a frame costs
    two colour conversions and one ``cv2.LUT``. Hue is stored in 256 steps per turn (``*_HSV_FULL``), so
    shifts are rounded to 1.4°. On a grayscale image only the value scale applies.

    Args:
        hue_shift: Hue rotation in degrees.
        saturation: Saturation scale (0: gray, 1: unchanged).
        value: Value scale (1: unchanged).
        per: Draw the jitter per ``"episode"`` or per ``"frame"``.
    """

    name = "color_jitter"

    def __init__(
        self,
        hue_shift: RangeLike = (-10.0, 10.0),
        saturation: RangeLike = (0.8, 1.2),
        value: RangeLike = (0.9, 1.1),
        per: Per = "episode",
    ) -> None:
        super().__init__(
            {
                "hue_shift": as_range(hue_shift, "hue_shift"),
                "saturation": as_range(saturation, "saturation", minimum=0.0),
                "value": as_range(value, "value", minimum=0.0),
            },
            per,
        )
        self._hsv_table = np.zeros((256, 1, 3), np.uint8)
        self._value_table = np.zeros(256, np.uint8)

    def _prepare(self) -> None:
        p = self.parameters
        # Hue wraps around: 256 steps are a full turn.
        hue = np.rint(_LEVELS + p["hue_shift"] * 256.0 / 360.0).astype(np.int64) % 256
        saturation = np.clip(np.rint(_LEVELS * p["saturation"]), 0, 255)
        value = np.clip(np.rint(_LEVELS * p["value"]), 0, 255)
        self._hsv_table = np.stack([hue, saturation, value], axis=1).astype(np.uint8)[:, None, :]
        self._value_table = value.astype(np.uint8)

    def apply(self, image: np.ndarray) -> np.ndarray:
        if channels(image) == 1:
            return like(cv2.LUT(image, self._value_table), image)
        hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV_FULL)
        cv2.LUT(hsv, self._hsv_table, dst=hsv)
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL, dst=hsv)
