"""Replacement textures: another of the model's textures resized, or a generated checker, gradient or noise.

A texture is stored in ``model.tex_data`` as ``tex_height × tex_width`` pixels of ``tex_nchannel`` bytes from
``tex_adr``; a cube or skybox texture stacks its six faces vertically (height = 6 × width), so a pattern
drawn over the whole image spreads over the faces. Patterns are drawn as RGB floats in [0, 1] at the
texture's size and converted to its channels: the mean for one channel, the nominal alpha kept for four.
Only the size of the texture in memory matters, never its type, so any texture can replace any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mujoco
import numpy as np


@dataclass(frozen=True)
class TextureSlot:
    """Where one texture lives in ``model.tex_data``."""

    id: int
    name: str
    address: int
    height: int
    width: int
    channels: int

    @property
    def size(self) -> int:
        """Bytes of the texture."""
        return self.height * self.width * self.channels

    def view(self, model: mujoco.MjModel) -> np.ndarray:
        """The texture's pixels, a writable ``(height, width, channels)`` view into ``model.tex_data``."""
        flat = model.tex_data[self.address : self.address + self.size]
        return flat.reshape(self.height, self.width, self.channels)


def texture_slots(model: mujoco.MjModel) -> list[TextureSlot]:
    """Every texture that holds its pixels in ``tex_data``; unnamed ones are called ``texture3``.

    A texture loaded by reference (``tex_adr`` of -1: decoded by the renderer, not stored) has no pixels to
    replace and is left out.
    """
    slots = []
    for i in range(model.ntex):
        if model.tex_adr[i] < 0:
            continue
        name = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_TEXTURE, i) or f"texture{i}"
        slots.append(
            TextureSlot(
                i,
                name,
                int(model.tex_adr[i]),
                int(model.tex_height[i]),
                int(model.tex_width[i]),
                int(model.tex_nchannel[i]),
            )
        )
    return slots


def _colors(generator: np.random.Generator, count: int) -> np.ndarray:
    return generator.random((count, 3), dtype=np.float32)


def checker(generator: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Two random colours in squares, 2 to 16 of them across the width."""
    first, second = _colors(generator, 2)
    square = max(1, width // int(generator.integers(2, 17)))
    rows = (np.arange(height) // square)[:, None]
    columns = (np.arange(width) // square)[None, :]
    odd = ((rows + columns) % 2).astype(bool)
    return np.where(odd[:, :, None], second, first)


def gradient(generator: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A linear blend between two random colours along a random direction."""
    first, second = _colors(generator, 2)
    angle = generator.uniform(0.0, 2.0 * np.pi)
    along = (
        np.cos(angle) * np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
        + np.sin(angle) * np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    )
    span = np.ptp(along)
    fraction = (along - along.min()) / span if span > 0 else np.zeros_like(along)
    return first + fraction[:, :, None] * (second - first)


def noise(generator: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A random colour with uniform per-pixel, per-channel noise of a random amplitude (0.1 to 0.5)."""
    (base,) = _colors(generator, 1)
    amplitude = np.float32(generator.uniform(0.1, 0.5))
    pixels = generator.random((height, width, 3), dtype=np.float32)
    pixels *= 2 * amplitude
    pixels += base - amplitude
    return np.clip(pixels, 0.0, 1.0, out=pixels)


def resized(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """``pixels`` (``(h, w, channels)`` uint8) at ``height × width`` by nearest neighbour, as RGB floats."""
    rows = np.arange(height) * pixels.shape[0] // height
    columns = np.arange(width) * pixels.shape[1] // width
    picked = pixels[rows[:, None], columns[None, :]].astype(np.float32) / 255.0
    if picked.shape[2] == 1:
        return np.repeat(picked, 3, axis=2)
    return picked[:, :, :3]


Pattern = Callable[[np.random.Generator, int, int], np.ndarray]
PATTERNS: dict[str, Pattern] = {"checker": checker, "gradient": gradient, "noise": noise}
"""Generated patterns by name: ``pattern(generator, height, width)`` gives RGB floats in [0, 1]."""


def write_rgb(target: np.ndarray, rgb: np.ndarray) -> None:
    """Write RGB floats into a texture's pixels (``target``, uint8), in the texture's channels.

    A texture of one or two channels gets the mean of R, G and B in its first; a fourth channel (alpha) is
    left as it is.
    """
    if target.shape[2] < 3:
        target[:, :, 0] = np.rint(rgb.mean(axis=2) * 255.0).astype(np.uint8)
    else:
        target[:, :, :3] = np.rint(rgb * 255.0).astype(np.uint8)
