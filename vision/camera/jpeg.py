"""JPEG compression artefacts."""

from __future__ import annotations

import cv2
import numpy as np

from rlkit.vision.camera.transform import CameraTransform, Per, RangeLike, as_range, channels, like


class JpegCompression(CameraTransform):
    """Encodes the image as JPEG at ``quality`` and decodes it again: blocking, ringing, colour bleeding.

    The image is encoded as the RGB picture it is (OpenCV's encoder expects BGR, so channels are swapped on
    the way in and out: the luma and chroma planes, hence the artefacts, come out as a camera's would).

    Args:
        quality: JPEG quality 1-100, rounded (higher: fewer artefacts).
        per: Draw the quality per ``"episode"`` or per ``"frame"``.
    """

    name = "jpeg"

    def __init__(self, quality: RangeLike = (30.0, 90.0), per: Per = "episode") -> None:
        super().__init__({"quality": as_range(quality, "quality", 1.0, 100.0)}, per)
        self._params = [cv2.IMWRITE_JPEG_QUALITY, 90]

    def _prepare(self) -> None:
        self._params = [cv2.IMWRITE_JPEG_QUALITY, round(self.parameters["quality"])]

    def apply(self, image: np.ndarray) -> np.ndarray:
        colour = channels(image) == 3
        encoded_from = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if colour else image
        ok, data = cv2.imencode(".jpg", encoded_from, self._params)
        if not ok:  # pragma: no cover - OpenCV fails only on invalid input, which check_image rules out
            raise RuntimeError(f"JPEG encoding of a {image.shape} image failed")
        decoded = cv2.imdecode(data, cv2.IMREAD_COLOR if colour else cv2.IMREAD_GRAYSCALE)
        if decoded is None:  # pragma: no cover - the bytes come straight from imencode
            raise RuntimeError(f"JPEG decoding of a {image.shape} image failed")
        if colour:
            return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB, dst=decoded)
        return like(decoded, image)
