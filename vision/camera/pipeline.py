"""The camera model: transforms applied in a fixed physical order, seeded together, tables fused."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from rlkit.config.camera import CameraModelConfig
from rlkit.vision.camera.blur import DefocusBlur, MotionBlur
from rlkit.vision.camera.color_jitter import ColorJitter
from rlkit.vision.camera.exposure import Exposure
from rlkit.vision.camera.grayscale import Grayscale
from rlkit.vision.camera.jpeg import JpegCompression
from rlkit.vision.camera.noise import SensorNoise
from rlkit.vision.camera.random_shift import RandomShift
from rlkit.vision.camera.resize import Resize
from rlkit.vision.camera.transform import CameraTransform, PointTransform, as_lut, channels, check_image
from rlkit.vision.camera.vignette import Vignette
from rlkit.vision.camera.white_balance import WhiteBalance

_LEVELS = np.arange(256, dtype=np.float64)

PHYSICAL_ORDER: tuple[tuple[str, str, type[CameraTransform]], ...] = (
    ("color_jitter", "scene light", ColorJitter),
    ("defocus_blur", "optics", DefocusBlur),
    ("motion_blur", "optics", MotionBlur),
    ("vignette", "optics", Vignette),
    ("resize", "sensor", Resize),
    ("noise", "sensor", SensorNoise),
    ("white_balance", "ISP", WhiteBalance),
    ("exposure", "ISP", Exposure),
    ("grayscale", "ISP", Grayscale),
    ("jpeg", "compression", JpegCompression),
    ("random_shift", "augmentation", RandomShift),
)
"""``(config key, stage, class)`` of every transform, in the order :meth:`CameraModel.from_config` applies.

Light leaves the scene with its colours (colour jitter stands for the scene's lighting and materials), passes
the lens (blur, then vignetting: both act on the scene's image, so their sizes are in rendered pixels), is
sampled by the sensor (resolution, then noise at the sensor's pixels, so resizing does not average it away),
processed by the ISP (white balance and tone on the noisy raw values, then an optional monochrome output),
compressed for transport (JPEG), and finally augmented for the learner (random shift, which is no part of a
real camera).
"""


class _FusedTables:
    """Neighbouring :class:`PointTransform` s applied as one ``cv2.LUT``.

    The composed table is cached until a stage draws new parameters. A stage whose table depends on its
    input's mean (contrast) gets the mean of the fused input, measured with ``cv2.mean`` (one read of the
    image, nothing written) and carried through the earlier stages' tables at each channel's mean: exact for
    white-balance gains unless pixels clip, and rounded to an integer as the stage's own ``apply`` does.
    """

    def __init__(self, stages: Sequence[PointTransform]) -> None:
        self.stages = list(stages)
        self._versions: tuple[int, ...] = ()
        self._cache: dict[tuple[int, ...], np.ndarray] = {}

    def begin_frame(self) -> None:
        for stage in self.stages:
            stage.begin_frame()

    def apply(self, image: np.ndarray) -> np.ndarray:
        versions = tuple(stage.version for stage in self.stages)
        if versions != self._versions:
            self._versions = versions
            self._cache.clear()
        count = channels(image)
        if any(stage.uses_mean for stage in self.stages):
            means = self._means(image, count)
        else:
            means = (0,) * len(self.stages)
        key = (count, *means)
        lut = self._cache.get(key)
        if lut is None:
            composed = self.stages[0].table(count, means[0])
            for stage, mean in zip(self.stages[1:], means[1:], strict=True):
                composed = np.take_along_axis(stage.table(count, mean), composed.astype(np.intp), axis=0)
            lut = self._cache[key] = as_lut(np.ascontiguousarray(composed))
        return cv2.LUT(image, lut).reshape(image.shape)

    def _means(self, image: np.ndarray, count: int) -> tuple[int, ...]:
        """The mean each stage sees, carried from the image's channel means through the tables before it."""
        channel_means = np.array(cv2.mean(image)[:count])
        means = []
        for stage in self.stages:
            mean = round(float(channel_means.mean())) if stage.uses_mean else 0
            means.append(mean)
            table = stage.table(count, mean)
            channel_means = np.array(
                [np.interp(channel_means[c], _LEVELS, table[:, c]) for c in range(count)]
            )
        return tuple(means)


class CameraModel:
    """A camera between a renderer and an agent: a list of transforms applied in order to every frame.

    Every transform draws from its own stream, named after the model, the transform and its occurrence
    (``"camera/0/noise/0"``): the same seed gives the same frames, and switching one transform on or off
    leaves the others' random numbers unchanged. Neighbouring per-pixel table transforms (white balance and
    exposure) run fused as one ``cv2.LUT``.

    Example:
        >>> model = CameraModel.from_config(CameraModelConfig(noise={"gaussian_std": 3}))
        >>> model.reset(seed=0)
        >>> noisy = model(frame)

    Args:
        transforms: The transforms, in the order they apply (:data:`PHYSICAL_ORDER` for
            :meth:`from_config`).
        name: Prefix of the transforms' streams; cameras of one env need different names.
        fuse: Fuse neighbouring table transforms (``False``: apply each by itself, for comparison).
    """

    def __init__(
        self, transforms: Sequence[CameraTransform], name: str = "camera", fuse: bool = True
    ) -> None:
        self.transforms = list(transforms)
        self.name = name
        occurrences: dict[str, int] = {}
        self._streams: list[str] = []
        self._labels: list[str] = []
        total = {t.name: sum(u.name == t.name for u in self.transforms) for t in self.transforms}
        for transform in self.transforms:
            index = occurrences.get(transform.name, 0)
            occurrences[transform.name] = index + 1
            self._streams.append(f"{name}/{transform.name}/{index}")
            self._labels.append(transform.name if total[transform.name] == 1 else f"{transform.name}/{index}")
        self._steps: list[CameraTransform | _FusedTables] = []
        for transform in self.transforms:
            previous = self._steps[-1] if self._steps else None
            if fuse and isinstance(transform, PointTransform):
                if isinstance(previous, _FusedTables):
                    previous.stages.append(transform)
                    continue
                self._steps.append(_FusedTables([transform]))
            else:
                self._steps.append(transform)

    @classmethod
    def from_config(cls, config: CameraModelConfig, name: str = "camera", fuse: bool = True) -> CameraModel:
        """The model of ``config``'s sections that are on, in :data:`PHYSICAL_ORDER`.

        Each section's fields are its transform's constructor arguments.
        """
        transforms = [
            transform(**section.model_dump())
            for key, _, transform in PHYSICAL_ORDER
            if (section := getattr(config, key)) is not None
        ]
        return cls(transforms, name=name, fuse=fuse)

    def reset(self, seed: int | None = None) -> None:
        """Start an episode: re-seed every stream from ``seed`` (``None``: continue them) and draw the
        per-episode parameters."""
        for transform, stream in zip(self.transforms, self._streams, strict=True):
            transform.reset(seed, stream)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """The frame ``image`` as this camera sees it: a new ``uint8`` array, ``image`` left unchanged.

        Raises:
            ValueError: ``image`` is not a ``uint8`` image shaped ``(H, W, 3)``, ``(H, W, 1)`` or ``(H, W)``.
        """
        result = check_image(image)
        for step in self._steps:
            step.begin_frame()
            result = step.apply(result)
        return result.copy() if result is image else result

    def output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of this model's output for an input image of ``shape``."""
        for transform in self.transforms:
            shape = transform.output_shape(shape)
        return shape

    @property
    def parameters(self) -> dict[str, float]:
        """The per-episode parameters drawn at the last reset, flat: ``{"exposure/gamma": 0.93, ...}``.

        Per-frame parameters change at every frame and are left out.
        """
        return {
            f"{label}/{parameter}": float(value)
            for transform, label in zip(self.transforms, self._labels, strict=True)
            if transform.per == "episode"
            for parameter, value in transform.parameters.items()
        }
