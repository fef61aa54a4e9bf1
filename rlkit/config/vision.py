"""The vision sections of ``env``: camera pixels as observations, and visual domain randomization.

:class:`PixelsConfig` configures :class:`rlkit.vision.pixels.PixelObservation`;
:class:`VisualRandomizationConfig` configures :class:`rlkit.vision.visual_randomization.VisualRandomization`.
Every randomization group is off (``None``) by default, so an empty config leaves the model at its nominal
look.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from rlkit.config.base import StrictModel
from rlkit.config.sim2real import CurriculumConfig

# --------------------------------------------------------------------------------------------------------
# Pixel observations
# --------------------------------------------------------------------------------------------------------


class PixelsConfig(StrictModel):
    """Render MuJoCo cameras into the observation, channel-first ``(C, H, W)`` ``uint8``."""

    cameras: list[str | int] = Field(
        default=[],
        description="cameras by name or id, 'free' or -1 for the free camera "
        "(empty: the env's render camera, else a 'track' camera, else the model's first, else free)",
    )
    width: int = Field(default=84, ge=1, le=8192, description="image width in pixels")
    height: int = Field(default=84, ge=1, le=8192, description="image height in pixels")
    mode: Literal["pixels", "pixels_state"] = Field(
        default="pixels",
        description="'pixels': the image alone; 'pixels_state': a Dict {pixels, state: the env observation}",
    )
    depth: Literal["off", "uint8", "float32"] = Field(
        default="off",
        description="'uint8': one more channel per camera, depth mapped linearly from depth_range to 0..255; "
        "'float32': a Dict key 'depth' (cameras, H, W) in metres",
    )
    depth_range: tuple[float, float] | None = Field(
        default=None,
        description="uint8 depth: metres mapped to 0 and 255, clipped "
        "(None: the camera's near and far clipping planes, model.vis.map.znear/zfar × stat.extent)",
    )
    segmentation: Literal["off", "uint8", "int32"] = Field(
        default="off",
        description="'uint8': one more channel per camera, geom id + 1 (0: no geom); "
        "'int32': a Dict key 'segmentation' (cameras, H, W), geom id (-1: no geom)",
    )
    shadows: bool = Field(default=False, description="render shadows (9-11x slower at 84x84 on CPU OpenGL)")
    reflections: bool = Field(default=False, description="render reflections (also costly on a CPU renderer)")

    @field_validator("cameras")
    @classmethod
    def _distinct(cls, value: list[str | int]) -> list[str | int]:
        if len(set(map(str, value))) != len(value):
            raise ValueError(f"cameras must not repeat, got {value}")
        return value

    @field_validator("depth_range")
    @classmethod
    def _depth_range(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not 0 <= value[0] < value[1]:
            raise ValueError(f"depth_range must be [near, far] with 0 <= near < far, got {list(value)}")
        return value


# --------------------------------------------------------------------------------------------------------
# Visual domain randomization
# --------------------------------------------------------------------------------------------------------


def _factor_range(value: tuple[float, float]) -> tuple[float, float]:
    if not 0 <= value[0] <= value[1]:
        raise ValueError(f"must be [low, high] with 0 <= low <= high, got {list(value)}")
    return value


class LightRandomization(StrictModel):
    """Lights: position, direction, intensities and tint, per light and per episode."""

    names: str = Field(default=".*", description="regular expression selecting lights by name (full match)")
    headlight: bool = Field(
        default=False, description="also randomize the headlight's intensities and tint (model.vis.headlight)"
    )
    position: float = Field(
        default=0.0, ge=0, description="position offset per axis, uniform in ±this (metres)"
    )
    direction: float = Field(
        default=0.0, ge=0, description="direction tilt: rotation vector per axis, uniform in ±this (radians)"
    )
    diffuse: tuple[float, float] = Field(
        default=(1.0, 1.0), description="diffuse intensity factor, uniform [low, high]"
    )
    ambient: tuple[float, float] = Field(
        default=(1.0, 1.0), description="ambient intensity factor, uniform [low, high]"
    )
    specular: tuple[float, float] = Field(
        default=(1.0, 1.0), description="specular intensity factor, uniform [low, high]"
    )
    tint: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="colour tint: each RGB channel of every term × (1 + uniform in ±this)",
    )

    @field_validator("diffuse", "ambient", "specular")
    @classmethod
    def _factors(cls, value: tuple[float, float]) -> tuple[float, float]:
        return _factor_range(value)


class ColorRandomization(StrictModel):
    """RGB colours of geoms or materials (alpha is left alone), clipped to [0, 1]."""

    names: str = Field(default=".*", description="regular expression selecting elements by name (full match)")
    exclude: str | None = Field(
        default=None,
        description="regular expression of element names left at their nominal colour (full match)",
    )
    brightness: tuple[float, float] = Field(
        default=(1.0, 1.0), description="factor on all three channels, uniform [low, high]"
    )
    offset: float = Field(default=0.0, ge=0, le=1, description="offset per RGB channel, uniform in ±this")

    @field_validator("brightness")
    @classmethod
    def _brightness(cls, value: tuple[float, float]) -> tuple[float, float]:
        return _factor_range(value)


TextureMethod = Literal["swap", "checker", "gradient", "noise"]


class TextureRandomization(StrictModel):
    """Textures (2-D, cube and skybox alike) replaced per episode by another texture or a generated one."""

    names: str = Field(default=".*", description="regular expression selecting textures by name (full match)")
    exclude: str | None = Field(
        default=None, description="regular expression of texture names left at nominal (full match)"
    )
    methods: list[TextureMethod] = Field(
        default=["checker", "gradient", "noise"],
        min_length=1,
        description="one is drawn per texture and episode: 'swap' (another of the model's textures, "
        "resized), 'checker', 'gradient', 'noise' (random colours)",
    )
    probability: float = Field(
        default=1.0, ge=0, le=1, description="chance that a texture is replaced in an episode (else nominal)"
    )


class CameraRandomization(StrictModel):
    """Named cameras: position, orientation (a small rotation in the camera's frame) and field of view."""

    names: str = Field(default=".*", description="regular expression selecting cameras by name (full match)")
    position: float = Field(
        default=0.0,
        ge=0,
        description="position offset per axis of the parent body's frame, uniform in ±this (metres)",
    )
    rotation: float = Field(
        default=0.0, ge=0, description="rotation vector per camera axis, uniform in ±this (radians)"
    )
    fovy: float = Field(
        default=0.0, ge=0, description="vertical field of view offset, uniform in ±this (degrees)"
    )


class VisualRandomizationConfig(StrictModel):
    """Visual domain randomization, resampled at every reset from the model's nominal look."""

    lights: LightRandomization | None = Field(default=None, description="lights (None: off)")
    geom_colors: ColorRandomization | None = Field(
        default=None, description="geom colours, model.geom_rgba (None: off)"
    )
    material_colors: ColorRandomization | None = Field(
        default=None, description="material colours, model.mat_rgba (None: off)"
    )
    textures: TextureRandomization | None = Field(
        default=None, description="textures, model.tex_data (None: off)"
    )
    cameras: CameraRandomization | None = Field(
        default=None, description="camera pose and field of view (None: off)"
    )
    scale: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="pulls every sample toward nominal: 0 nominal, 1 the declared ranges "
        "(texture replacement chance × scale)",
    )
    curriculum: CurriculumConfig | None = Field(
        default=None,
        description="widen the looks with training progress: the scale becomes scale × the curriculum's "
        "(None: the full scale from the start)",
    )
