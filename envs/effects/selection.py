"""Choosing observation channels by name: a regular expression or a list of names and indices.

Shared by the per-env sensor models (:mod:`rlkit.envs.sensors`) and the batched backend's
(:mod:`rlkit.envs.effects.layers`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

import numpy as np

from rlkit.errors import RlkitError

_LISTED_NAMES = 20  # an error lists this many channel names, then an ellipsis


def select_channels(names: list[str], spec: str | Sequence[str | int]) -> np.ndarray:
    """The indices of the channels that ``spec`` selects.

    Args:
        names: Every channel's name (see :func:`channel_names`).
        spec: A regular expression, matched in full against every name (``"qvel\\[.*\\]"``), or a list of
            exact names and integer indices (negative indices count from the end).

    Returns:
        Sorted, unique ``int64`` indices.

    Raises:
        RlkitError: The pattern is invalid or matches nothing, a name is unknown, an index is out of range,
            or the list is empty.
    """
    if isinstance(spec, str):
        try:
            pattern = re.compile(spec)
        except re.error as exc:
            raise RlkitError(f"channels: '{spec}' is not a valid regular expression ({exc})") from None
        indices = [i for i, name in enumerate(names) if pattern.fullmatch(name)]
        if not indices:
            raise RlkitError(
                f"channels: the pattern '{spec}' matches no observation channel; "
                f"the channels are {_listing(names)}"
            )
        return np.asarray(indices, dtype=np.int64)

    index_of = {name: i for i, name in enumerate(names)}
    indices = []
    for entry in spec:
        if isinstance(entry, str):
            if entry not in index_of:
                close = difflib.get_close_matches(entry, names, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise RlkitError(
                    f"channels: no observation channel is named '{entry}'{hint}; "
                    f"the channels are {_listing(names)}"
                )
            indices.append(index_of[entry])
        elif isinstance(entry, (int, np.integer)) and not isinstance(entry, bool):
            if not -len(names) <= entry < len(names):
                raise RlkitError(
                    f"channels: index {entry} is out of range for {len(names)} observation channels "
                    f"(valid: {-len(names)} to {len(names) - 1}); the channels are {_listing(names)}"
                )
            indices.append(int(entry) % len(names))
        else:
            raise RlkitError(f"channels: {entry!r} is neither a channel name nor an integer index")
    if not indices:
        raise RlkitError(f"channels: the list selects no channel; the channels are {_listing(names)}")
    return np.unique(np.asarray(indices, dtype=np.int64))


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:_LISTED_NAMES])
    if len(names) > _LISTED_NAMES:
        shown += f", … ({len(names) - _LISTED_NAMES} more)"
    return shown
