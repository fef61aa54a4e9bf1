"""The seeding rule of every sim2real effect: one NumPy generator per effect, keyed by its name.

Every effect draws from its own generator so that switching one effect on or off does not change the random
numbers another sees, and the same seed gives the same numbers. A stream is seeded with the pair
``[seed, crc32(name)]``, which keeps the streams of one seed independent of each other and of the same names
under other seeds. (``envs.random_stream`` builds its step-by-step streams on the same rule.)
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np


def stream_key(name: str) -> int:
    """A stable 32-bit key for ``name`` (Python's ``hash`` of a string changes between processes)."""
    return zlib.crc32(name.encode())


def seeded_generator(seed: int, name: str) -> np.random.Generator:
    """The generator of the stream ``name`` for the env seed ``seed``."""
    return np.random.default_rng([int(seed), stream_key(name)])


class GroupStreams:
    """One generator per group of an effect (lights, colours, textures...), all derived from
    ``(seed, crc32(name))``, so that switching one group on or off leaves the others' numbers unchanged.

    Args:
        name: Identifies the effect; it must differ between effects stacked on one env.
        groups: The group names; each gets a generator (``streams["lights"]``).
    """

    def __init__(self, name: str, groups: Sequence[str]) -> None:
        self.name = name
        self._key = stream_key(name)
        self._groups = list(groups)
        self._generators = self._spawn(np.random.SeedSequence())

    def _spawn(self, root: np.random.SeedSequence) -> dict[str, np.random.Generator]:
        children = root.spawn(len(self._groups))
        return {
            group: np.random.default_rng(child) for group, child in zip(self._groups, children, strict=True)
        }

    def reseed(self, seed: int | None) -> None:
        """Start every group's stream afresh from ``seed``; ``None`` continues them (Gymnasium's rule)."""
        if seed is not None:
            self._generators = self._spawn(np.random.SeedSequence([int(seed), self._key]))

    def __getitem__(self, group: str) -> np.random.Generator:
        return self._generators[group]
