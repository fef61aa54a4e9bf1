"""The callable form of a policy that evaluation, videos and export drive: observations in, actions out."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Policy(Protocol):
    """A policy acting in ``num_envs`` envs at once, one step per call.

    ``episode_starts`` (num_envs,) bool marks the envs whose ``obs`` is the first of an episode: a recurrent
    policy wipes their memory before acting. The first call after creating the policy must mark every env.
    """

    def __call__(self, obs: np.ndarray, episode_starts: np.ndarray) -> np.ndarray: ...
