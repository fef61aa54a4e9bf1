"""Each action held for several env steps: which envs of a batch still step, and their summed rewards."""

from __future__ import annotations

import numpy as np


class RepeatedSteps:
    """The bookkeeping of an action applied ``repeat`` times to each env of a batch.

    An env steps again until it has stepped ``repeat`` times or its episode has ended (terminated or
    truncated); its reward is the sum of its steps' rewards, added in step order.

    Args:
        repeat: Env steps per action, >= 1.

    Raises:
        ValueError: ``repeat`` is not an integer >= 1.
    """

    def __init__(self, repeat: int) -> None:
        if isinstance(repeat, bool) or not isinstance(repeat, (int, np.integer)) or repeat < 1:
            raise ValueError(f"repeat must be an integer >= 1, got {repeat!r}")
        self.repeat = int(repeat)
        self.totals = np.zeros(0)
        """Each env's summed reward of this action."""
        self.running = np.zeros(0, dtype=bool)
        self._substeps = 0

    def start(self, num_envs: int) -> None:
        """Start applying a new action to ``num_envs`` envs."""
        self.totals = np.zeros(num_envs)
        self.running = np.ones(num_envs, dtype=bool)
        self._substeps = 0

    def stepping(self) -> np.ndarray | None:
        """The envs that step next, or None when every env is done with this action."""
        if self._substeps == self.repeat or not self.running.any():
            return None
        return np.flatnonzero(self.running)

    def record(self, ids: np.ndarray, rewards: np.ndarray, ended: np.ndarray) -> None:
        """Add the rewards of envs ``ids``' step (``(len(ids),)``) and stop those whose episode ``ended``."""
        self.totals[ids] += rewards
        self.running[ids] = ~ended
        self._substeps += 1
