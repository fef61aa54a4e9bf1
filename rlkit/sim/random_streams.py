"""Random streams of a visual effect with several groups (lights, colours, textures...).

Every effect draws from its own generators, seeded by rlkit's one rule (:mod:`rlkit.seeding`): from the env
seed and the effect's name, so that switching one effect on or off does not change the random numbers
another sees, and the same seed gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rlkit.seeding import stream_seed_sequence


class GroupStreams:
    """One generator per group of an effect (lights, colours, textures...), all spawned from the stream
    ``name`` of the seed, so that switching one group on or off leaves the others' numbers unchanged.

    Args:
        name: Identifies the effect; it must differ between effects stacked on one env.
        groups: The group names; each gets a generator (``streams["lights"]``).
    """

    def __init__(self, name: str, groups: Sequence[str]) -> None:
        self.name = name
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
            self._generators = self._spawn(stream_seed_sequence(seed, self.name))

    def __getitem__(self, group: str) -> np.random.Generator:
        return self._generators[group]
