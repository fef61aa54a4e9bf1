"""White balance: each RGB channel scaled by its own gain."""

from __future__ import annotations

import numpy as np

from rlkit.vision.camera.transform import Per, PointTransform, RangeLike, as_range

_LEVELS = np.arange(256, dtype=np.float64)
_LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601, the weights of cv2's RGB-to-gray


class WhiteBalance(PointTransform):
    """Multiplies the red, green and blue channels by their gains (clipped at 255).

    A grayscale image is scaled by the luma-weighted gain: what a monochrome conversion of the
    white-balanced colour image would show for a neutral grey.

    Args:
        red: Gain of the red channel.
        green: Gain of the green channel.
        blue: Gain of the blue channel.
        per: Draw the gains per ``"episode"`` or per ``"frame"``.
    """

    name = "white_balance"

    def __init__(
        self,
        red: RangeLike = (0.9, 1.1),
        green: RangeLike = (1.0, 1.0),
        blue: RangeLike = (0.9, 1.1),
        per: Per = "episode",
    ) -> None:
        super().__init__(
            {
                "red": as_range(red, "red", minimum=0.0),
                "green": as_range(green, "green", minimum=0.0),
                "blue": as_range(blue, "blue", minimum=0.0),
            },
            per,
        )
        self._tables: dict[int, np.ndarray] = {}

    def _prepare(self) -> None:
        gains = np.array([self.parameters["red"], self.parameters["green"], self.parameters["blue"]])
        scaled = np.rint(np.clip(_LEVELS[:, None] * gains, 0.0, 255.0)).astype(np.uint8)
        grey = np.rint(np.clip(_LEVELS * float(gains @ _LUMA), 0.0, 255.0)).astype(np.uint8)
        self._tables = {3: scaled, 1: grey[:, None]}

    def table(self, channels: int, mean: int) -> np.ndarray:
        return self._tables[channels]
