"""A wrapper's own random number stream, re-seeded from the seed passed to ``reset``.

Every sim2real effect draws from its own stream so that switching one effect on or off does not change the
random numbers another effect sees, and a run with the same seed is reproducible. The stream of an effect is
keyed by its name: two effects seeded with the same env seed still draw independent numbers.
"""

from __future__ import annotations

import zlib

import numpy as np


class RandomStream:
    """A ``numpy.random.Generator`` keyed by a name and re-seeded by ``reset(seed=...)``.

    Args:
        name: Identifies the stream; it must differ between effects stacked on one env
            (``"ObservationNoise/0"``, ``"ObservationNoise/1"``).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._key = zlib.crc32(name.encode())
        self.generator = np.random.default_rng()

    def reseed(self, seed: int | None) -> None:
        """Start the stream afresh from ``seed``; ``None`` continues the current stream (Gymnasium's rule)."""
        if seed is not None:
            self.generator = np.random.default_rng([int(seed), self._key])
