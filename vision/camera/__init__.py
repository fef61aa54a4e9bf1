"""A camera model: what a real camera does to the images a renderer makes.

One transform per effect (:mod:`rlkit.vision.camera.resize`, ``noise``, ``blur``, ``exposure``,
``color_jitter``, ``white_balance``, ``jpeg``, ``vignette``, ``random_shift``, ``grayscale``), composed in a
fixed physical order by :class:`CameraModel` and applied to an env's image observations by
:class:`CameraObservation`. Settings come from :class:`rlkit.config.camera.CameraModelConfig`.
"""

from rlkit.config.camera import CameraModelConfig
from rlkit.vision.camera.blur import DefocusBlur, MotionBlur
from rlkit.vision.camera.color_jitter import ColorJitter
from rlkit.vision.camera.exposure import Exposure
from rlkit.vision.camera.grayscale import Grayscale
from rlkit.vision.camera.jpeg import JpegCompression
from rlkit.vision.camera.noise import SensorNoise
from rlkit.vision.camera.pipeline import PHYSICAL_ORDER, CameraModel
from rlkit.vision.camera.random_shift import RandomShift
from rlkit.vision.camera.resize import Resize
from rlkit.vision.camera.transform import CameraTransform, PointTransform
from rlkit.vision.camera.vignette import Vignette
from rlkit.vision.camera.white_balance import WhiteBalance
from rlkit.vision.camera.wrapper import CameraObservation

__all__ = [
    "PHYSICAL_ORDER",
    "CameraModel",
    "CameraModelConfig",
    "CameraObservation",
    "CameraTransform",
    "ColorJitter",
    "DefocusBlur",
    "Exposure",
    "Grayscale",
    "JpegCompression",
    "MotionBlur",
    "PointTransform",
    "RandomShift",
    "Resize",
    "SensorNoise",
    "Vignette",
    "WhiteBalance",
]
