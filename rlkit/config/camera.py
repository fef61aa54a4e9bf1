"""The camera model section: what a real camera does to an image that a renderer does not.

Every transform is off by default (``None``); a section turns it on. Randomized parameters are ranges
``[low, high]`` sampled uniformly; a single number is a fixed value (a range of one point). ``per`` says
when a transform's parameters are drawn: at every ``reset`` (``"episode"``: a property of the camera, such
as its exposure) or at every frame (``"frame"``). :class:`rlkit.vision.camera.CameraModel` applies the
sections in one fixed physical order, documented there, whatever their order here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from rlkit.config.base import StrictModel

Per = Literal["episode", "frame"]
"""When a transform's parameters are drawn: at every reset, or at every frame."""


def _point_to_range(value: object) -> object:
    """A lone number is the range of one point."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (value, value)
    return value


def _ordered(value: tuple[float, float]) -> tuple[float, float]:
    if value[0] > value[1]:
        raise ValueError(f"range must be [low, high] with low <= high, got {list(value)}")
    return value


def _within(low: float | None = None, high: float | None = None) -> Callable[[tuple], tuple]:
    """A check that both ends of a range lie in ``[low, high]`` (``None``: unbounded)."""

    def check(value: tuple[float, float]) -> tuple[float, float]:
        for end in value:
            if (low is not None and end < low) or (high is not None and end > high):
                bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
                raise ValueError(f"range ends must lie in {bounds}, got {list(value)}")
        return value

    return check


Range = Annotated[tuple[float, float], BeforeValidator(_point_to_range), AfterValidator(_ordered)]
"""``[low, high]`` sampled uniformly; a single number ``x`` means ``[x, x]``."""

NonNegativeRange = Annotated[Range, AfterValidator(_within(0.0))]
PositiveRange = Annotated[Range, AfterValidator(_within(1e-6))]


class ResizeConfig(StrictModel):
    """The sensor's resolution: the image is resampled to ``height`` × ``width``."""

    height: int = Field(default=84, ge=1, description="output height in pixels")
    width: int = Field(default=84, ge=1, description="output width in pixels")
    interpolation: Literal["area", "linear", "cubic", "nearest"] = Field(
        default="area", description="resampling filter (area: best for shrinking)"
    )


class NoiseConfig(StrictModel):
    """Sensor noise, fresh at every frame: Gaussian read noise plus Poisson shot noise."""

    gaussian_std: NonNegativeRange = Field(
        default=(0.0, 4.0), description="read noise standard deviation in intensity units (0-255)"
    )
    photons_per_unit: PositiveRange | None = Field(
        default=None,
        description="shot noise: photons collected per intensity unit, variance = intensity / this "
        "(higher: less noise; None: no shot noise)",
    )
    per: Per = Field(default="frame", description="draw the noise levels per frame or per episode")


class MotionBlurConfig(StrictModel):
    """Blur along a line: the camera or scene moving during the exposure."""

    length: Annotated[Range, AfterValidator(_within(1.0, 63.0))] = Field(
        default=(1.0, 5.0), description="kernel length in pixels (rounded; 1: no blur)"
    )
    angle: Range = Field(default=(0.0, 180.0), description="direction of the blur in degrees (0: horizontal)")
    per: Per = Field(default="episode", description="draw length and angle per episode or per frame")


class DefocusBlurConfig(StrictModel):
    """An out-of-focus lens: the image convolved with a disk."""

    radius: Annotated[Range, AfterValidator(_within(0.0, 31.0))] = Field(
        default=(0.0, 1.5), description="disk kernel radius in pixels (0: sharp)"
    )
    per: Per = Field(default="episode", description="draw the radius per episode or per frame")


class ExposureConfig(StrictModel):
    """Tone: contrast about the image mean, then brightness, then a gamma curve."""

    brightness: Range = Field(default=(-20.0, 20.0), description="intensity added, in units 0-255")
    contrast: NonNegativeRange = Field(
        default=(0.8, 1.2), description="deviations from the image's mean intensity are multiplied by this"
    )
    gamma: PositiveRange = Field(
        default=(0.8, 1.25), description="out = 255 (in / 255) ^ gamma (below 1: brighter midtones)"
    )
    per: Per = Field(default="episode", description="draw the tone per episode or per frame")


class ColorJitterConfig(StrictModel):
    """Colour changes in HSV space: a hue rotation and saturation and value scales."""

    hue_shift: Range = Field(default=(-10.0, 10.0), description="hue rotation in degrees")
    saturation: NonNegativeRange = Field(default=(0.8, 1.2), description="saturation is multiplied by this")
    value: NonNegativeRange = Field(
        default=(0.9, 1.1), description="value (brightness) is multiplied by this"
    )
    per: Per = Field(default="episode", description="draw the jitter per episode or per frame")


class WhiteBalanceConfig(StrictModel):
    """A wrong white balance: each RGB channel multiplied by its own gain."""

    red: NonNegativeRange = Field(default=(0.9, 1.1), description="gain of the red channel")
    green: NonNegativeRange = Field(default=(1.0, 1.0), description="gain of the green channel")
    blue: NonNegativeRange = Field(default=(0.9, 1.1), description="gain of the blue channel")
    per: Per = Field(default="episode", description="draw the gains per episode or per frame")


class JpegConfig(StrictModel):
    """JPEG compression artefacts of a streamed camera."""

    quality: Annotated[Range, AfterValidator(_within(1.0, 100.0))] = Field(
        default=(30.0, 90.0), description="JPEG quality 1-100 (rounded; higher: fewer artefacts)"
    )
    per: Per = Field(default="episode", description="draw the quality per episode or per frame")


class VignetteConfig(StrictModel):
    """Radial darkening towards the corners (lens falloff)."""

    strength: Annotated[Range, AfterValidator(_within(0.0, 1.0))] = Field(
        default=(0.0, 0.4),
        description="fraction of light lost at the corners (0: none; the centre keeps all)",
    )
    per: Per = Field(default="episode", description="draw the strength per episode or per frame")


class RandomShiftConfig(StrictModel):
    """DrQ's augmentation: pad by replicating the border, then crop back at a random offset."""

    pad: int = Field(
        default=4, ge=0, description="padding in pixels: shifts are up to this many pixels each way"
    )
    per: Per = Field(default="frame", description="draw the shift per frame or per episode")


class GrayscaleConfig(StrictModel):
    """A monochrome camera: the image is converted to luma."""

    channels: Literal[1, 3] = Field(default=3, description="keep 3 equal channels or return 1 channel")


class CameraModelConfig(StrictModel):
    """A camera between the renderer and the agent: one optional section per effect (None: off)."""

    color_jitter: ColorJitterConfig | None = Field(
        default=None, description="HSV colour jitter (scene light)"
    )
    defocus_blur: DefocusBlurConfig | None = Field(default=None, description="defocus blur (optics)")
    motion_blur: MotionBlurConfig | None = Field(default=None, description="motion blur (optics)")
    vignette: VignetteConfig | None = Field(default=None, description="vignetting (optics)")
    resize: ResizeConfig | None = Field(default=None, description="sensor resolution (sensor)")
    noise: NoiseConfig | None = Field(default=None, description="read and shot noise (sensor)")
    white_balance: WhiteBalanceConfig | None = Field(default=None, description="per-channel gains (ISP)")
    exposure: ExposureConfig | None = Field(default=None, description="brightness, contrast, gamma (ISP)")
    grayscale: GrayscaleConfig | None = Field(default=None, description="monochrome output (ISP)")
    jpeg: JpegConfig | None = Field(default=None, description="JPEG compression (compression)")
    random_shift: RandomShiftConfig | None = Field(
        default=None, description="DrQ random shift (augmentation)"
    )
