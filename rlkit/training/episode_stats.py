"""The episodes the training loop reports: returns and lengths of those in flight and of the last ones."""

from __future__ import annotations

from collections import deque

import numpy as np

from rlkit.training.collectors import CollectedStep
from rlkit.training.loop_state import LoopState


class EpisodeStats:
    """Returns and lengths of every env's episode in flight, and of the last ``window`` episodes that ended.

    Episodes lost with a rollout worker are not real episodes, so they stay out of the statistics: an env
    whose worker was replaced (``step.restarted``) starts counting afresh, and an episode that ended only
    because its worker was lost (``step.cut``) is dropped rather than counted.

    Args:
        num_envs: Envs in the vector env.
        window: Episodes kept for the recent statistics (``log.episode_window``).
        state: The state of the run to continue (its episode count and recent episodes); None: a new run.

    Attributes:
        returns: (num_envs,) float64, the return so far of each env's episode in flight.
        lengths: (num_envs,) int64, the steps so far of the same episodes.
        recent_returns: Returns of the last ``window`` episodes that ended, oldest first.
        recent_lengths: Lengths of the same episodes.
        episodes: Episodes ended so far in the run, over every session.
    """

    def __init__(self, num_envs: int, window: int, state: LoopState | None = None) -> None:
        state = state if state is not None else LoopState()
        self.returns = np.zeros(num_envs)
        self.lengths = np.zeros(num_envs, dtype=np.int64)
        self.recent_returns: deque[float] = deque(state.recent_returns, maxlen=window)
        self.recent_lengths: deque[int] = deque(state.recent_lengths, maxlen=window)
        self.episodes = state.episodes

    def continue_in_flight(self, state: LoopState) -> None:
        """Continue the episodes in flight when ``state`` was saved (the envs were restored to that moment).

        Raises:
            ValueError: ``state`` holds no episodes in flight, or not one per env.
        """
        if state.episode_returns is None or state.episode_lengths is None:
            raise ValueError("the loop state holds no episodes in flight to continue")
        self.returns[:] = state.episode_returns
        self.lengths[:] = state.episode_lengths

    def record(self, step: CollectedStep) -> None:
        """Add one vector step: its rewards to the episodes in flight, and the episodes it ended to the
        recent ones (all but those cut short by a lost worker); ended episodes start again from zero."""
        if step.restarted is not None:  # their episodes were lost with a rollout worker
            self.returns[step.restarted] = 0.0
            self.lengths[step.restarted] = 0
        self.returns += step.rewards
        self.lengths += 1
        dones = step.terminated | step.truncated
        if not dones.any():
            return
        counted = dones if step.cut is None else dones & ~step.cut
        for index in np.flatnonzero(counted):
            self.recent_returns.append(float(self.returns[index]))
            self.recent_lengths.append(int(self.lengths[index]))
        self.episodes += int(counted.sum())
        self.returns[dones] = 0.0
        self.lengths[dones] = 0

    def save_to(self, state: LoopState) -> None:
        """Write the episode count, the recent episodes and the episodes in flight into ``state``."""
        state.episodes = self.episodes
        state.recent_returns = list(self.recent_returns)
        state.recent_lengths = list(self.recent_lengths)
        state.episode_returns = self.returns.tolist()
        state.episode_lengths = self.lengths.tolist()
