"""Self-play: the learner's seat, opponents from the pool, outcomes, Elo ratings, and a reproducible run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from rlkit.config.loading import load_config
from rlkit.config.schema import EnvConfig, RolloutConfig, SelfPlayConfig
from rlkit.errors import RlkitError
from rlkit.evaluate.matches import random_player
from rlkit.rollout.agent_rows import AgentRowsVectorEnv
from rlkit.rollout.opponent_seats import OpponentSeats
from rlkit.rollout.vector_env import make_vector_env
from rlkit.training.self_play import INITIAL_ELO, NO_MATCH, RANDOM, SelfPlayLeague, expected_score
from rlkit.training.trainer import Trainer

CONNECT_FOUR = "pettingzoo.classic:connect_four_v3"
SELF_PLAY = [
    f"env.id={CONNECT_FOUR}",
    "agent.n_steps=16",
    "agent.batch_size=128",
    "agent.n_epochs=2",
    "rollout.num_envs=8",
    "train.total_steps=1024",
    "log.interval=256",
    "eval.episodes=2",
    "eval.interval=0",
    "self_play={snapshot_interval: 256, pool_size: 2, random_share: 0.25}",
]


def test_elo_expected_score_and_update_by_hand() -> None:
    assert expected_score(1000, 1000) == 0.5
    assert expected_score(1200, 1000) == pytest.approx(1 / (1 + 10 ** (-0.5)))  # 0.7597

    class Frozen:
        config = type("C", (), {"name": "x"})

        def frozen_policy(self, deterministic: bool = False, seed: int = 0) -> object:
            return lambda obs, starts: np.zeros(len(starts), dtype=np.int64)

    config = SelfPlayConfig(elo_k=16, pool_size=2)
    league = SelfPlayLeague(config, Frozen(), seed=0, random_player=random_player(0, gym.spaces.Discrete(3)))  # type: ignore[arg-type]
    league.record({"match_opponent": np.array([0, NO_MATCH]), "match_outcome": np.array([1.0, 0.0])})
    assert league.elo == INITIAL_ELO + 8.0  # won as expected 0.5: +K/2
    assert league.history[0]["elo"] == INITIAL_ELO - 8.0
    # a loss to the random player, the scale's fixed anchor: -K * (0 - expected(1008 vs 1000))
    league.record({"match_opponent": np.array([RANDOM]), "match_outcome": np.array([0.0])})
    assert league.elo == pytest.approx(1008.0 - 16 * expected_score(1008.0, 1000.0))
    league.snapshot(100)
    league.snapshot(200)
    assert league.pool == [1, 2] and [h["env_steps"] for h in league.history] == [0, 100, 200]
    assert set(league.opponents) == {RANDOM, 0, 1, 2}  # a snapshot past the pool still finishes its games
    assert league.metrics()["self_play/win_rate"] == 0.5


def test_the_sampling_rule_draws_random_newest_and_pool_games_in_their_shares() -> None:
    class Frozen:
        def frozen_policy(self, deterministic: bool = False, seed: int = 0) -> object:
            return lambda obs, starts: np.zeros(len(starts), dtype=np.int64)

    config = SelfPlayConfig(pool_size=4, latest_share=0.5, random_share=0.2)
    league = SelfPlayLeague(config, Frozen(), seed=0, random_player=random_player(0, gym.spaces.Discrete(3)))  # type: ignore[arg-type]
    for steps in (1, 2, 3):
        league.snapshot(steps)
    draws = np.array([league.choose() for _ in range(20000)])
    assert np.mean(draws == RANDOM) == pytest.approx(0.2, abs=0.01)
    # the newest: half of the rest, plus its quarter of the uniform draws
    assert np.mean(draws == 3) == pytest.approx(0.8 * (0.5 + 0.5 / 4), abs=0.015)
    assert np.mean(draws == 0) == pytest.approx(0.8 * 0.5 / 4, abs=0.01)


def test_the_learner_takes_one_seat_per_game_in_turn_and_learns_the_outcome() -> None:
    rows = make_vector_env(EnvConfig(id=CONNECT_FOUR), 4, RolloutConfig(num_envs=4))
    assert isinstance(rows, AgentRowsVectorEnv)
    chosen = iter([0, 1, 0, 1] + [1] * 100)
    moves = gym.spaces.Discrete(7)
    opponents = {0: random_player(1, moves), 1: random_player(2, moves)}
    env = OpponentSeats(rows, opponents, lambda: next(chosen), seed=0)
    obs, _ = env.reset(seed=0)
    assert env.seats.tolist() == [0, 1, 0, 1] and env.opponent.tolist() == [0, 1, 0, 1]
    # seat 0 moves first: its mask has legal moves, seat 1's has none
    assert obs["action_mask"].any(axis=1).tolist() == [True, False, True, False]
    learner = random_player(3, moves)
    outcomes: list[float] = []
    for _ in range(200):
        seats = env.seats.copy()
        obs, rewards, terminated, truncated, info = env.step(learner(obs, np.zeros(4, dtype=bool)))
        ended = terminated | truncated
        assert (
            env.seats.tolist() == np.where(ended, 1 - seats, seats).tolist()
        )  # the next game: the other seat
        if "match_outcome" in info:
            assert info["match_opponent"][~ended].tolist() == [-1] * int((~ended).sum())
            for game in np.flatnonzero(ended):
                # the learner's last reward says who won: +1 won, -1 lost, 0 a draw
                assert info["match_outcome"][game] == {1.0: 1.0, -1.0: 0.0, 0.0: 0.5}[rewards[game]]
                outcomes.append(float(info["match_outcome"][game]))
    assert len(outcomes) >= 8
    assert set(env.seats.tolist()) <= {0, 1}
    env.close()


def _run(tmp_path: Path, name: str) -> tuple[list[dict[str, str]], dict[str, object]]:
    run = tmp_path / name
    Trainer(load_config("cartpole-ppo", SELF_PLAY), run).run()
    with (run / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return rows, json.loads((run / "self_play.json").read_text())


def test_a_self_play_run_is_reproducible_and_rates_every_snapshot(tmp_path: Path) -> None:
    first, league = _run(tmp_path, "a")
    again, league_again = _run(tmp_path, "b")
    keys = ["loss/value", "self_play/elo", "return_mean"]
    assert [[r.get(k) for k in keys] for r in first] == [[r.get(k) for k in keys] for r in again]
    assert league == league_again
    snapshots = league["snapshots"]
    assert isinstance(snapshots, list) and [s["env_steps"] for s in snapshots][:3] == [0, 256, 512]
    assert "self_play/win_rate" in first[-1] and float(first[-1]["self_play/pool_size"]) == 2


def test_self_play_needs_a_game() -> None:
    config = load_config("cartpole-ppo", ["self_play={snapshot_interval: 100}"])
    with pytest.raises(RlkitError, match="self_play needs a multi-agent game"):
        Trainer(config, Path("unused"))


def test_rlkit_eval_plays_matches_against_random_and_an_earlier_checkpoint(tmp_path: Path) -> None:
    from rlkit.evaluate.checkpoint_eval import evaluate_checkpoint

    run = tmp_path / "run"
    Trainer(load_config("cartpole-ppo", [*SELF_PLAY, "train.checkpoint_interval=512"]), run).run()
    earlier = next(run.glob("checkpoints/step_*.pt"))
    for opponent in ("random", str(earlier)):
        summary = evaluate_checkpoint(run, episodes=6, opponent=opponent).summary
        matches = summary["matches"]
        assert matches["opponent"] == opponent and matches["games"] == 6
        assert matches["wins"] + matches["draws"] + matches["losses"] == 6 and matches["illegal_moves"] == 0
    with pytest.raises(RlkitError, match="neither 'random' nor an existing run"):
        evaluate_checkpoint(run, episodes=2, opponent=str(tmp_path / "nowhere"))


def test_a_resumed_self_play_run_keeps_its_pool_and_ratings(tmp_path: Path) -> None:
    import torch

    from rlkit.api import resume

    run = tmp_path / "run"
    Trainer(load_config("cartpole-ppo", [*SELF_PLAY, "train.total_steps=768"]), run).run()
    saved = torch.load(run / "checkpoints" / "final.pt", weights_only=True)["self_play"]
    assert saved["pool"] == [2, 3] and set(saved["weights"]) == {"2", "3"}
    resume(run, "train.total_steps=1280")
    league = json.loads((run / "self_play.json").read_text())
    steps = [snapshot["env_steps"] for snapshot in league["snapshots"]]
    assert steps[:4] == [0, 256, 512, 768] and len(steps) > 4  # the history went on, not afresh
    assert saved["elo"] != 1000.0
