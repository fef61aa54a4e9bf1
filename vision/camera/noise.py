"""Sensor noise: Gaussian read noise plus Poisson shot noise, fresh at every frame."""

from __future__ import annotations

from statistics import NormalDist

import cv2
import numpy as np

from rlkit.vision.camera.transform import CameraTransform, Per, RangeLike, as_range, channels


def _normal_quantiles(bits: int = 16) -> np.ndarray:
    """The ``2**bits`` midpoint quantiles of N(0, 1), rescaled to unit variance.

    Indexing this table with uniform 16-bit integers gives normal numbers about four times faster than
    ``Generator.standard_normal``: two bytes of raw bits per pixel instead of the ziggurat's 8. Tails stop at
    ±4.2 σ (a pixel beyond it once in 30 000), which a camera's noise does not miss.
    """
    count = 1 << bits
    quantiles = np.array([NormalDist().inv_cdf((i + 0.5) / count) for i in range(count)])
    return (quantiles / quantiles.std()).astype(np.float32)


_QUANTILES: np.ndarray | None = None  # built on first use: 65 536 inverse CDFs take ~30 ms


class SensorNoise(CameraTransform):
    """Adds zero-mean noise of variance ``gaussian_std² + intensity / photons_per_unit`` to every pixel.

    Shot noise is Poisson in the photons collected: ``intensity × photons_per_unit`` photons have variance
    equal to their count, so in intensity units its variance is ``intensity / photons_per_unit`` and grows
    with brightness. It is drawn in its normal approximation, which is close once a pixel holds more than
    ~10 photons, so that one normal draw per pixel serves both noises: its standard deviation per
    intensity level is a table of 256 floats, applied with ``cv2.LUT``. Results are rounded and clipped.

    The noise pattern is new at every frame; ``per`` decides when the noise *levels* are drawn.

    Args:
        gaussian_std: Read noise standard deviation, in intensity units 0-255.
        photons_per_unit: Photons per intensity unit (higher: less shot noise); ``None``: no shot noise.
        per: Draw the noise levels per ``"frame"`` or per ``"episode"``.
    """

    name = "noise"

    def __init__(
        self,
        gaussian_std: RangeLike = (0.0, 4.0),
        photons_per_unit: RangeLike | None = None,
        per: Per = "frame",
    ) -> None:
        ranges = {"gaussian_std": as_range(gaussian_std, "gaussian_std", minimum=0.0)}
        if photons_per_unit is not None:
            ranges["photons_per_unit"] = as_range(photons_per_unit, "photons_per_unit", minimum=1e-6)
        super().__init__(ranges, per)
        self._sigma_luts: dict[int, np.ndarray] = {}
        # Buffers reused from frame to frame while the image shape stays the same.
        self._shape: tuple[int, ...] = ()
        self._normal = np.zeros(0, np.float32)
        self._sigma = np.zeros(0, np.float32)

    def _prepare(self) -> None:
        variance = np.full(256, self.parameters["gaussian_std"] ** 2)
        if "photons_per_unit" in self.parameters:
            variance += np.arange(256) / self.parameters["photons_per_unit"]
        sigma = np.sqrt(variance).astype(np.float32)
        self._sigma_luts = {1: sigma, 3: np.repeat(sigma[:, None], 3, axis=1)[:, None, :]}

    def _buffers(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The normal draws' and the standard deviations' buffers, reused while the shape stays."""
        if shape != self._shape:
            self._shape = shape
            self._normal = np.empty(shape, np.float32)
            self._sigma = np.empty(shape, np.float32)
        return self._normal, self._sigma

    def _fill_standard_normal(self, out: np.ndarray) -> None:
        """Fill ``out`` with N(0, 1) draws from this transform's stream."""
        global _QUANTILES
        if _QUANTILES is None:
            _QUANTILES = _normal_quantiles()
        raw = self.generator.bit_generator.random_raw((out.size + 3) // 4)
        # mode='clip': with the default 'raise', NumPy buffers ``out`` (a copy per frame); indices fit anyway.
        np.take(_QUANTILES, raw.view(np.uint16)[: out.size].reshape(out.shape), out=out, mode="clip")

    def apply(self, image: np.ndarray) -> np.ndarray:
        # OpenCV sees a one-channel image as (H, W); work on that view and give the caller's shape back.
        plane = image.reshape(image.shape[0], image.shape[1]) if channels(image) == 1 else image
        normal, sigma = self._buffers(plane.shape)
        self._fill_standard_normal(normal)
        if "photons_per_unit" in self.parameters:
            cv2.LUT(plane, self._sigma_luts[channels(image)], dst=sigma)
            np.multiply(normal, sigma, out=normal)
        else:
            np.multiply(normal, self._sigma_luts[1][0], out=normal)
        # cv2.add rounds and saturates to uint8 in one pass, without a float copy of the image.
        return cv2.add(plane, normal, dtype=cv2.CV_8U).reshape(image.shape)
