"""A camera model: what a real camera does to the images a renderer makes.

One transform per effect (:mod:`vision.camera.resize`, ``noise``, ``blur``, ``exposure``,
``color_jitter``, ``white_balance``, ``jpeg``, ``vignette``, ``random_shift``, ``grayscale``), composed in a
fixed physical order by :class:`CameraModel` and applied to an env's image observations by
:class:`CameraObservation`. Settings come from :class:`rlkit.config.camera.CameraModelConfig`.
"""

from rlkit.config.camera import CameraModelConfig
from vision.camera.blur import DefocusBlur, MotionBlur
from vision.camera.color_jitter import ColorJitter
from vision.camera.exposure import Exposure
from vision.camera.grayscale import Grayscale
from vision.camera.jpeg import JpegCompression
from vision.camera.noise import SensorNoise
from vision.camera.pipeline import PHYSICAL_ORDER, CameraModel
from vision.camera.random_shift import RandomShift
from vision.camera.resize import Resize
from vision.camera.transform import CameraTransform, PointTransform
from vision.camera.vignette import Vignette
from vision.camera.white_balance import WhiteBalance
from vision.camera.wrapper import CameraObservation

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
