"""Returns of the multi-agent games the training loop reports: each team's and each agent's.

The loop's :class:`~rlkit.training.episode_stats.EpisodeStats` counts rows, one per agent, so its ``return``
is an agent's return (MAPPO's "average episode reward" for MPE). :class:`TeamStats` regroups the rows into
their games: the team's return (the agents' rewards summed) and each agent's, by name.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from rlkit.training.collectors import CollectedStep


class TeamStats:
    """The returns of every game in flight and of the last ``window`` games that ended, per agent.

    Args:
        agent_names: Each game's agents, in row order.
        num_games: Games stepped side by side (rows are ``game * agents + agent``).
        window: Games kept for the recent statistics (``log.episode_window``).
    """

    def __init__(self, agent_names: tuple[str, ...], num_games: int, window: int) -> None:
        self.agent_names = agent_names
        self.returns = np.zeros((num_games, len(agent_names)))
        self.recent: deque[np.ndarray] = deque(maxlen=window)

    def record(self, step: CollectedStep) -> None:
        """Add one vector step of rows; a game ends when its rows do (they end together)."""
        games, agents = self.returns.shape
        self.returns += np.asarray(step.rewards).reshape(games, agents)
        ended = (step.terminated | step.truncated).reshape(games, agents).all(axis=1)
        if step.restarted is not None:  # a lost worker's games are not real games
            lost = np.asarray(step.restarted).reshape(games, agents).any(axis=1)
            self.returns[lost] = 0.0
        counted = (
            ended if step.cut is None else ended & ~np.asarray(step.cut).reshape(games, agents).any(axis=1)
        )
        self.recent.extend(self.returns[game].copy() for game in np.flatnonzero(counted))
        self.returns[ended] = 0.0

    def metrics(self) -> dict[str, float]:
        """``team/return_mean`` and ``agents/<name>/return_mean`` over the recent games (none yet: empty)."""
        if not self.recent:
            return {}
        recent = np.stack(self.recent)
        metrics = {"team/return_mean": float(recent.sum(axis=1).mean())}
        for agent, name in enumerate(self.agent_names):
            metrics[f"agents/{name}/return_mean"] = float(recent[:, agent].mean())
        return metrics
