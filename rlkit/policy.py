"""The callable form of a policy that evaluation, videos and export drive: observations in, actions out."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

ObservationBatch = Any
"""Observations of ``num_envs`` envs, one row per env: an array, or for Dict spaces a dict of arrays (``Any``
as for :data:`rlkit.buffers.batches.Batch`, so that policies written for arrays still type as a Policy)."""


class Policy(Protocol):
    """A policy acting in ``num_envs`` envs at once, one step per call.

    ``episode_starts`` (num_envs,) bool marks the envs whose ``obs`` is the first of an episode: a recurrent
    policy wipes their memory before acting. The first call after creating the policy must mark every env.
    """

    def __call__(self, obs: ObservationBatch, episode_starts: np.ndarray) -> np.ndarray: ...
