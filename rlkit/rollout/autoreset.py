"""Gymnasium's ``SAME_STEP`` autoreset, which every rlkit vector env uses.

When an env's episode ends, ``step`` returns the first observation of its next episode, and the last
observation of the finished episode is in ``info["final_obs"]`` (masked by ``info["_final_obs"]``). Agents
need that final observation to bootstrap a truncated episode; :func:`final_observations` puts it back in
place.
"""

from __future__ import annotations

from typing import overload

import numpy as np


@overload
def final_observations(next_obs: np.ndarray, infos: dict, dones: np.ndarray) -> np.ndarray: ...


@overload
def final_observations(
    next_obs: dict[str, np.ndarray], infos: dict, dones: np.ndarray
) -> dict[str, np.ndarray]: ...


def final_observations(
    next_obs: np.ndarray | dict[str, np.ndarray], infos: dict, dones: np.ndarray
) -> np.ndarray | dict[str, np.ndarray]:
    """``next_obs`` with the finished episodes' last observations in place of their reset observations.

    Works for array observations and for Dict observations (a dict of arrays, one row per env).
    """
    if not dones.any():
        return next_obs
    finished = np.flatnonzero(infos["_final_obs"])
    if isinstance(next_obs, dict):
        real_dict = {key: value.copy() for key, value in next_obs.items()}
        for index in finished:
            for key, value in infos["final_obs"][index].items():
                real_dict[key][index] = value
        return real_dict
    real = next_obs.copy()
    for index in finished:
        real[index] = infos["final_obs"][index]
    return real
