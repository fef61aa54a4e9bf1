"""Self-play against a pool of past policies, rated by Elo.

:class:`SelfPlayLeague` keeps the opponents of a self-play run (``self_play`` in the config): snapshots of the
learner's policy taken every ``snapshot_interval`` env steps, the newest ``pool_size`` of them, the first
being the policy before any training. Each new game draws its opponent by the sampling rule: the newest
snapshot with probability ``latest_share``, else one uniformly from the pool (recent strength and
remembered weaknesses both).

A share of games (``random_share``) can go to a player choosing uniformly among the legal moves: past
versions of the policy never play like it, and a policy that only ever met itself can fall to moves no
sensible player makes.

Ratings follow Elo from the training games themselves: every finished game moves the learner's rating and
its opponent's by ``K (outcome - expected)``, expected ``1 / (1 + 10^((R_opp - R_learner) / 400))``. The
random player anchors the scale at 1000; a snapshot starts at the learner's rating when it was taken, so the
pool's ratings form a ladder over training. The learner's rating and its wins are logged (``self_play/elo``,
``self_play/win_rate``) and every snapshot's rating kept in ``self_play.json`` in the run directory.
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.agents.base import Agent, FrozenPolicy
from rlkit.config.schema import SelfPlayConfig
from rlkit.files import atomic_write_text
from rlkit.policy import Policy

#: Every rating starts here: the untrained policy's, and the random player's always.
INITIAL_ELO = 1000.0
#: The opponent id of the random player (``self_play.random_share``).
RANDOM = -2
#: What a game that did not end reports as its opponent.
NO_MATCH = -1


def expected_score(rating: float, opponent: float) -> float:
    """Elo's expected score of a player rated ``rating`` against one rated ``opponent``."""
    return 1.0 / (1.0 + 10.0 ** ((opponent - rating) / 400.0))


class SelfPlayLeague:
    """The opponent pool, its sampling rule and the Elo ratings of a self-play run.

    Opponents are named by stable ids (a snapshot's place in :attr:`history`; :data:`RANDOM` for the random
    player), so a game keeps its opponent when the pool moves on while it is played.

    Args:
        config: The ``self_play`` section.
        agent: The learner (its :meth:`~rlkit.agents.base.Agent.frozen_policy` makes snapshots).
        seed: Seeds the opponent draws and the snapshots' sampling.
        random_player: The policy of the random opponent ``self_play.random_share`` asks for.
    """

    def __init__(self, config: SelfPlayConfig, agent: Agent, seed: int, random_player: Policy) -> None:
        self.config = config
        self.agent = agent
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        #: The learner's current rating.
        self.elo = INITIAL_ELO
        #: The ids of the snapshots in the pool, oldest first.
        self.pool: list[int] = []
        #: Every snapshot ever taken, by id: its env steps and rating (updated while it plays).
        self.history: list[dict[str, float]] = []
        #: Every opponent's policy by id (the env plays them; a snapshot past the pool finishes its games).
        self.opponents: dict[int, Policy] = {RANDOM: random_player}
        self._recent: deque[float] = deque(maxlen=100)
        self.snapshot(0)

    def choose(self) -> int:
        """The opponent of a new game: the random player with probability ``random_share``, else the newest
        snapshot with probability ``latest_share``, else one drawn uniformly from the pool."""
        if self.rng.random() < self.config.random_share:
            return RANDOM
        if self.rng.random() < self.config.latest_share:
            return self.pool[-1]
        return self.pool[int(self.rng.integers(len(self.pool)))]

    def snapshot(self, env_steps: int) -> None:
        """Add the learner's current policy to the pool at the learner's rating (the oldest leaves it past
        ``pool_size``)."""
        index = len(self.history)
        self.opponents[index] = self.agent.frozen_policy(
            deterministic=self.config.deterministic_opponents, seed=self.seed + index
        )
        self.history.append({"env_steps": env_steps, "elo": self.elo})
        self.pool.append(index)
        if len(self.pool) > self.config.pool_size:
            self.pool.pop(0)

    def record(self, info: dict[str, Any]) -> None:
        """Rate the games that ended in a step (``match_opponent``, ``match_outcome`` of its info): the
        random player is the scale's fixed anchor (rated :data:`INITIAL_ELO`); snapshots move with the
        learner."""
        if "match_opponent" not in info:
            return
        opponents, outcomes = np.asarray(info["match_opponent"]), np.asarray(info["match_outcome"])
        for index, outcome in zip(opponents.tolist(), outcomes.tolist(), strict=True):
            if index == NO_MATCH:
                continue
            rating = INITIAL_ELO if index == RANDOM else self.history[index]["elo"]
            change = self.config.elo_k * (float(outcome) - expected_score(self.elo, rating))
            self.elo += change
            if index != RANDOM:
                self.history[index]["elo"] -= change
            self._recent.append(float(outcome))

    def metrics(self) -> dict[str, float]:
        """The learner's rating, its share of wins over the last 100 games, and the pool's size."""
        metrics = {"self_play/elo": self.elo, "self_play/pool_size": float(len(self.pool))}
        if self._recent:
            metrics["self_play/win_rate"] = float(np.mean(np.asarray(self._recent) == 1.0))
        return metrics

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint keeps to resume the league: ratings, history, the pool and its weights, the
        recent outcomes and the draw stream."""
        weights = {}
        for index in self.pool:
            policy = self.opponents[index]
            assert isinstance(policy, FrozenPolicy)  # every snapshot is one
            weights[str(index)] = policy.weights()
        return {
            "elo": self.elo,
            "history": [dict(entry) for entry in self.history],
            "pool": list(self.pool),
            "recent": list(self._recent),
            "rng": self.rng.bit_generator.state,
            "weights": weights,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue the league a checkpoint saved (its pool rebuilt from the saved weights)."""
        self.elo = float(state["elo"])
        self.history = [dict(entry) for entry in state["history"]]
        self.pool = [int(index) for index in state["pool"]]
        self._recent = deque((float(outcome) for outcome in state["recent"]), maxlen=self._recent.maxlen)
        self.rng.bit_generator.state = state["rng"]
        random = self.opponents[RANDOM]
        self.opponents.clear()
        self.opponents[RANDOM] = random
        for index in self.pool:
            self.opponents[index] = self.agent.frozen_policy(
                deterministic=self.config.deterministic_opponents,
                seed=self.seed + index,
                weights=state["weights"][str(index)],
            )

    def write(self, path: Path) -> None:
        """``self_play.json``: the learner's rating and every snapshot's (env steps, Elo)."""
        summary = {"elo": self.elo, "snapshots": self.history}
        atomic_write_text(path, json.dumps(summary, indent=2) + "\n")
