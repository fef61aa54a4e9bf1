"""The shape and dtype of an array-valued Gymnasium space (``Box``, ``Discrete``, ``MultiDiscrete``, ...), as
the agents' buffers and networks size themselves from them.

``gym.Space`` types both as optional, since a ``Dict`` or ``Tuple`` space has neither: these helpers say so in
one sentence instead of letting an allocation fail on ``None``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.errors import RlkitError


def space_shape(space: gym.Space[Any]) -> tuple[int, ...]:
    """The shape of one sample of ``space``.

    Raises:
        RlkitError: The space is not array-valued (a ``Dict`` or ``Tuple`` space).
    """
    if space.shape is None:
        raise RlkitError(f"an array-valued space (Box, Discrete, ...) is needed here, not {space}")
    return space.shape


def space_dtype(space: gym.Space[Any]) -> np.dtype[Any]:
    """The dtype of one sample of ``space``.

    Raises:
        RlkitError: The space is not array-valued (a ``Dict`` or ``Tuple`` space).
    """
    if space.dtype is None:
        raise RlkitError(f"an array-valued space (Box, Discrete, ...) is needed here, not {space}")
    return space.dtype
