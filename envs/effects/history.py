"""An observation history: each env observes its last ``length`` readings side by side, on a batch.

A policy that must infer what it cannot measure (a student distilled from a privileged teacher, a legged
robot estimating its velocity or the ground) reads it from a few steps of its own observations. The history
is of what the policy would otherwise observe (after the sensor models and latency), oldest first, and an
episode starts with its first reading repeated (as rsl_rl and legged_gym fill it), so no reading is zero.
"""

from __future__ import annotations

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.streams import EVERY_ENV, Rows, env_ids


def history_names(names: list[str], length: int) -> list[str]:
    """The channel names of a history of ``length`` readings of channels ``names``, oldest first: a reading
    ``k`` steps old is ``name@-k``, the current one ``name``."""
    return [name if lag == 0 else f"{name}@-{lag}" for lag in range(length - 1, -1, -1) for name in names]


def history_space(space: Box, length: int) -> Box:
    """The flat observation space of ``length`` readings of ``space`` side by side."""
    return Box(
        np.tile(space.low, length), np.tile(space.high, length), (space.shape[0] * length,), space.dtype
    )


class ObservationHistory:
    """The last ``length`` readings of every env of a batch, ``(num_envs, length × channels)``.

    Args:
        num_envs: Envs in the batch.
        length: Readings observed at once, >= 1.

    Raises:
        ValueError: ``length`` is below 1.
    """

    def __init__(self, num_envs: int, length: int) -> None:
        if length < 1:
            raise ValueError(f"an observation history holds at least one reading, got {length}")
        self.num_envs = num_envs
        self.length = length
        self._readings: np.ndarray | None = None  # (num_envs, length, channels), oldest first

    def reset(self, observations: np.ndarray, rows: Rows = EVERY_ENV) -> np.ndarray:
        """Start envs ``rows``' histories with their reset readings ``(len(rows), channels)`` repeated;
        returns their histories."""
        observations = np.asarray(observations)
        if self._readings is None:
            self._readings = np.zeros((self.num_envs, self.length, observations.shape[1]), observations.dtype)
        envs = env_ids(rows, self.num_envs)
        self._readings[envs] = observations[:, None, :]
        return self._readings[envs].reshape(len(envs), -1)

    def __call__(self, observations: np.ndarray) -> np.ndarray:
        """Every env's history after this step's readings ``(num_envs, channels)`` (a new array)."""
        assert self._readings is not None, "ObservationHistory stepped before reset"
        self._readings[:, :-1] = self._readings[:, 1:]
        self._readings[:, -1] = observations
        return self._readings.reshape(self.num_envs, -1).copy()
