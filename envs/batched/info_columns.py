"""Named per-env info entries held as one matrix, so a vector step gathers them in one array operation.

A per-env wrapper reports, say, each of a randomization's fifty physics samples as its own info entry;
``SyncVectorEnv`` gathers them into fifty ``(num_envs,)`` arrays, each beside its mask. The batched backend
computes the same values as one ``(entries, num_envs)`` matrix, and masking or merging them every vector step
one entry at a time would cost more Python than the effects themselves: :class:`InfoColumns` keeps them as
the matrix until the info dict is handed out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class InfoColumns:
    """Info entries ``names``, entry ``k`` of env ``i`` at ``values[k, i]``.

    Attributes:
        names: The entries' keys, in the order the per-env wrapper reports them.
        values: ``(len(names), num_envs)``: each entry's per-env values, one row each (so each entry handed
            out is contiguous, as ``SyncVectorEnv``'s arrays are).
    """

    names: tuple[str, ...]
    values: np.ndarray  # never written after construction: where() may hand it out as it is

    def where(self, mask: np.ndarray, other: InfoColumns | float) -> InfoColumns:
        """Env ``i``'s values where ``mask[i]``, ``other``'s elsewhere."""
        if mask.all():  # most vector steps: every env runs on
            return self
        other_values = other.values if isinstance(other, InfoColumns) else other
        return InfoColumns(self.names, np.where(mask, self.values, other_values))

    def as_dict(self, mask: np.ndarray) -> dict[str, np.ndarray]:
        """The entries as ``SyncVectorEnv`` gathers an info dict: each entry's array followed by its mask
        ``_key``: one read-only copy of ``mask``, shared by every entry (a copy each would be most of the
        cost)."""
        shared_mask = mask.copy()
        shared_mask.flags.writeable = False
        gathered: dict[str, np.ndarray] = {}
        for name, row in zip(self.names, self.where(mask, 0.0).values, strict=True):
            gathered[name] = row
            gathered[f"_{name}"] = shared_mask
        return gathered
