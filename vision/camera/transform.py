"""The base of every camera transform: parameter ranges, when they are drawn, and the transform's stream.

A transform maps a ``uint8`` image shaped ``(H, W, 3)`` (RGB), ``(H, W, 1)`` or ``(H, W)`` (grayscale) to a
new ``uint8`` image of the same layout; it never writes into its input. Its randomized parameters are
ranges ``(low, high)`` drawn uniformly, all in one NumPy call, from the transform's own generator:

- ``per="episode"``: drawn at :meth:`CameraTransform.reset` and kept for every frame until the next reset
  (a property of the camera: its exposure, white balance, blur direction);
- ``per="frame"``: drawn again before every frame.

Random numbers a transform needs at every frame whatever ``per`` says (a noise pattern, a shift) come from
the same generator, after the frame's parameters.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import ClassVar, Literal

import cv2
import numpy as np

from rlkit.seeding import seeded_generator

Per = Literal["episode", "frame"]
RangeLike = float | Sequence[float]
"""A range ``(low, high)``, or one number for a fixed value."""


def as_range(
    value: RangeLike, name: str, minimum: float | None = None, maximum: float | None = None
) -> tuple[float, float]:
    """``value`` as a checked ``(low, high)`` pair.

    Raises:
        ValueError: ``value`` is not one or two numbers, ``low > high``, or an end lies outside
            ``[minimum, maximum]``.
    """
    pair = (value, value) if isinstance(value, int | float) else tuple(value)
    if len(pair) != 2:
        raise ValueError(f"{name} must be a number or a range [low, high], got {value!r}")
    low, high = float(pair[0]), float(pair[1])
    if low > high:
        raise ValueError(f"{name} must be a range [low, high] with low <= high, got {value!r}")
    if (minimum is not None and low < minimum) or (maximum is not None and high > maximum):
        raise ValueError(f"{name} must lie in [{minimum}, {maximum}], got {value!r}")
    return low, high


def check_image(image: np.ndarray) -> np.ndarray:
    """``image`` if it is a ``uint8`` RGB or grayscale image, else a ``ValueError`` saying what is valid."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError(f"camera transforms need a uint8 image, got {getattr(image, 'dtype', type(image))}")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3))):
        raise ValueError(
            f"camera transforms need an image shaped (H, W, 3), (H, W, 1) or (H, W), got {image.shape}"
        )
    return image


def like(result: np.ndarray, image: np.ndarray) -> np.ndarray:
    """``result`` shaped ``(H, W, 1)`` when ``image`` was: OpenCV returns one-channel images as ``(H, W)``."""
    if image.ndim == 3 and result.ndim == 2:
        return result[:, :, None]
    return result


def channels(image: np.ndarray) -> int:
    """Channels of an image (1 for ``(H, W)``)."""
    return 1 if image.ndim == 2 else image.shape[2]


class CameraTransform(abc.ABC):
    """One effect of a camera, with its parameter ranges and its own random stream.

    Subclasses declare their ranges, precompute what they can when the parameters change
    (:meth:`_prepare`) and transform one image with the current parameters (:meth:`apply`).

    Args:
        ranges: Name and ``(low, high)`` of every randomized parameter, in drawing order.
        per: ``"episode"`` or ``"frame"``: when the parameters are drawn.

    Attributes:
        name: The transform's name: its stream's and its parameters' key (``"exposure"``).
        parameters: The current parameters by name (empty until drawn).
        version: How many times the parameters were drawn.
        generator: The transform's stream; :meth:`reset` with a seed replaces it.
    """

    name: ClassVar[str]

    def __init__(self, ranges: dict[str, tuple[float, float]] | None = None, per: Per = "episode") -> None:
        if per not in ("episode", "frame"):
            raise ValueError(f"{self.name}: per must be 'episode' or 'frame', got {per!r}")
        self.per: Per = per
        self.ranges = dict(ranges or {})
        self._low = np.array([low for low, _ in self.ranges.values()])
        self._high = np.array([high for _, high in self.ranges.values()])
        self.generator = np.random.default_rng()
        self.parameters: dict[str, float] = {}
        # Counts draws, so that whoever caches something built from the parameters knows when to rebuild.
        self.version = 0
        self._drawn = False

    def reset(self, seed: int | None = None, stream: str | None = None) -> None:
        """Start an episode: re-seed the stream from ``seed`` (``None``: continue it) and, for per-episode
        parameters, draw them.

        Args:
            seed: The env seed.
            stream: The stream's name (default: :attr:`name`); a pipeline passes one naming the camera
                and the transform's place, so that two copies of a transform draw different numbers.
        """
        if seed is not None:
            self.generator = seeded_generator(seed, stream or self.name)
        self._drawn = False
        if self.per == "episode":
            self.draw()

    def draw(self) -> None:
        """Draw the parameters from their ranges and precompute what depends on them."""
        if self.ranges:
            values = self.generator.uniform(self._low, self._high).tolist()
            self.parameters = dict(zip(self.ranges, values, strict=True))
        self._prepare()
        self.version += 1
        self._drawn = True

    def begin_frame(self) -> None:
        """Draw the parameters if they are per frame, or never drawn yet (no reset before the first frame)."""
        if self.per == "frame" or not self._drawn:
            self.draw()

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Transform one frame: a new image, ``image`` left unchanged."""
        image = check_image(image)
        self.begin_frame()
        return self.apply(image)

    def output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of the output for an input of ``shape`` (the same unless overridden)."""
        return shape

    def _prepare(self) -> None:  # noqa: B027 (an optional hook: most transforms precompute nothing)
        """Precompute from :attr:`parameters` (kernels, tables); called whenever they are drawn."""

    @abc.abstractmethod
    def apply(self, image: np.ndarray) -> np.ndarray:
        """Transform a checked image with the current parameters, into a new array."""


def as_lut(table: np.ndarray) -> np.ndarray:
    """A ``(256, C)`` table in the shape ``cv2.LUT`` takes: ``(256,)`` or ``(256, 1, C)``."""
    return table[:, 0] if table.shape[1] == 1 else table[:, None, :]


class PointTransform(CameraTransform):
    """A transform that maps every channel's intensities through a table of 256 entries.

    Such transforms compose: :class:`rlkit.vision.camera.CameraModel` fuses neighbouring ones into one
    ``cv2.LUT`` per frame (one pass over the image, no float intermediates), rebuilding the fused table only
    when parameters change.

    Attributes:
        uses_mean: The table depends on the mean intensity of the transform's input (contrast about the
            mean); the mean is rounded to an integer so that tables can be cached and fusion is exact.
    """

    uses_mean: bool = False

    @abc.abstractmethod
    def table(self, channels: int, mean: int) -> np.ndarray:
        """The ``uint8`` table ``(256, channels)`` for the current parameters and the input's ``mean``."""

    def apply(self, image: np.ndarray) -> np.ndarray:
        mean = round(float(np.mean(cv2.mean(image)[: channels(image)]))) if self.uses_mean else 0
        return like(cv2.LUT(image, as_lut(self.table(channels(image), mean))), image)
