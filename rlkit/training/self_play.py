"""Self-play against a pool of past policies, rated by Elo.

:class:`SelfPlayLeague` keeps the opponents of a self-play run (``self_play`` in the config): snapshots of the
learner's policy taken every ``snapshot_interval`` env steps, the newest ``pool_size`` of them, the first
being the policy before any training. Each new game draws its opponent by the sampling rule: the newest
snapshot with probability ``latest_share``, else one uniformly from the pool (recent strength and
remembered weaknesses both).

Ratings follow Elo from the training games themselves: every finished game moves the learner's rating and
its opponent's by ``K (outcome - expected)``, expected ``1 / (1 + 10^((R_opp - R_learner) / 400))``. A
snapshot starts at the learner's rating when it was taken, so the pool's ratings form a ladder over
training; every snapshot's rating is logged (``self_play/elo``, ``self_play/win_rate`` against the pool) and
kept in ``self_play.json`` in the run directory.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.agents.base import Agent
from rlkit.config.schema import SelfPlayConfig
from rlkit.files import atomic_write_text
from rlkit.policy import Policy

#: Every rating starts here: the untrained policy's.
INITIAL_ELO = 1000.0


def expected_score(rating: float, opponent: float) -> float:
    """Elo's expected score of a player rated ``rating`` against one rated ``opponent``."""
    return 1.0 / (1.0 + 10.0 ** ((opponent - rating) / 400.0))


@dataclass
class Snapshot:
    """One opponent of the pool: the policy at ``env_steps`` and its rating."""

    env_steps: int
    policy: Policy
    elo: float


class SelfPlayLeague:
    """The opponent pool, its sampling rule and the Elo ratings of a self-play run.

    Args:
        config: The ``self_play`` section.
        agent: The learner (its :meth:`~rlkit.agents.base.Agent.frozen_policy` makes snapshots).
        seed: Seeds the opponent draws and the snapshots' sampling.
    """

    def __init__(self, config: SelfPlayConfig, agent: Agent, seed: int) -> None:
        self.config = config
        self.agent = agent
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        #: The learner's current rating.
        self.elo = INITIAL_ELO
        #: The pool, oldest first; index ``i`` is the opponent index the env reports.
        self.pool: list[Snapshot] = []
        #: Every snapshot ever taken: (env steps, rating when it left the pool or now).
        self.history: list[dict[str, float]] = []
        self._ids: list[int] = []  # each pool slot's index in history
        self._policies: list[Policy] = []
        self._recent: deque[float] = deque(maxlen=100)
        self.snapshot(0)

    @property
    def opponents(self) -> list[Policy]:
        """The pool's policies, in the order :meth:`choose` indexes them (a live list the env reads)."""
        return self._policies

    def choose(self) -> int:
        """The opponent of a new game: the newest snapshot with probability ``latest_share``, else uniform."""
        if self.rng.random() < self.config.latest_share:
            return len(self.pool) - 1
        return int(self.rng.integers(len(self.pool)))

    def snapshot(self, env_steps: int) -> None:
        """Add the learner's current policy to the pool at the learner's rating (dropping the oldest past
        ``pool_size``)."""
        policy = self.agent.frozen_policy(
            deterministic=self.config.deterministic_opponents, seed=self.seed + len(self.history)
        )
        self.pool.append(Snapshot(env_steps, policy, self.elo))
        self._ids.append(len(self.history))
        self.history.append({"env_steps": env_steps, "elo": self.elo})
        if len(self.pool) > self.config.pool_size:
            self.pool.pop(0)
            self._ids.pop(0)
        # the env holds this list: change it in place so that the indices it draws stay the pool's
        self._policies[:] = [snapshot.policy for snapshot in self.pool]

    def record(self, info: dict[str, Any]) -> None:
        """Rate the games that ended in a step (``match_opponent``, ``match_outcome`` of its info)."""
        if "match_opponent" not in info:
            return
        opponents, outcomes = np.asarray(info["match_opponent"]), np.asarray(info["match_outcome"])
        for index, outcome in zip(opponents, outcomes, strict=True):
            if index < 0 or index >= len(self.pool):
                continue  # not a game that ended, or its opponent left the pool meanwhile
            snapshot = self.pool[int(index)]
            change = self.config.elo_k * (float(outcome) - expected_score(self.elo, snapshot.elo))
            self.elo += change
            snapshot.elo -= change
            self.history[self._ids[int(index)]]["elo"] = snapshot.elo
            self._recent.append(float(outcome))

    def metrics(self) -> dict[str, float]:
        """The learner's rating, its share of wins over the last 100 games against the pool, and the pool's
        size."""
        metrics = {"self_play/elo": self.elo, "self_play/pool_size": float(len(self.pool))}
        if self._recent:
            metrics["self_play/win_rate"] = float(np.mean(np.asarray(self._recent) == 1.0))
        return metrics

    def write(self, path: Path) -> None:
        """``self_play.json``: the learner's rating and every snapshot's (env steps, Elo)."""
        summary = {"elo": self.elo, "snapshots": self.history}
        atomic_write_text(path, json.dumps(summary, indent=2) + "\n")
