"""A PettingZoo Parallel game as one Gymnasium env over its agents, built from env.id."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from rlkit.config.schema import EnvConfig
from rlkit.envs import make_env
from rlkit.envs.multi_agent import ParallelGame
from rlkit.envs.multi_agent.parallel_game import padded_action_space
from rlkit.errors import RlkitError
from tests.multi_agent.relay_game import RelayGame

RELAY = "tests.multi_agent.relay_game:relay_game"


def test_relay_game_follows_the_parallel_api() -> None:
    parallel_api_test(RelayGame(), num_cycles=10)
    parallel_api_test(RelayGame(leave_at=2), num_cycles=10)


def test_agents_stack_in_the_order_of_possible_agents() -> None:
    game = ParallelGame(RelayGame(max_cycles=3), critic="state")
    obs, info = game.reset(seed=4)
    np.testing.assert_array_equal(obs["observations"], [[4.0], [10.0]])
    np.testing.assert_array_equal(obs["state"], [4.0, 10.0, 0.0])
    assert info["agents_active"].tolist() == [True, True]
    assert game.action_space == gym.spaces.MultiDiscrete([3, 3])
    obs, reward, terminated, truncated, info = game.step(np.array([2, 0]))
    np.testing.assert_array_equal(obs["observations"], [[5.0], [9.0]])
    np.testing.assert_array_equal(info["agent_rewards"], [5.0, 9.0])
    assert reward == 14.0  # the team's
    assert not terminated and not truncated
    game.step(np.array([1, 1]))
    *_, terminated, truncated, _ = game.step(np.array([1, 1]))
    assert truncated and not terminated  # cut off at max_cycles: bootstrapped


def test_an_agent_that_left_observes_zeros_and_earns_nothing() -> None:
    game = ParallelGame(RelayGame(max_cycles=4, leave_at=1))
    game.reset(seed=0)
    obs, _, _, _, info = game.step(np.array([2, 2]))
    np.testing.assert_array_equal(obs["observations"], [[1.0], [11.0]])  # its last observation
    assert info["agents_active"].tolist() == [True, True]
    obs, reward, *_, info = game.step(np.array([2, 2]))
    np.testing.assert_array_equal(obs["observations"], [[2.0], [0.0]])
    assert info["agents_active"].tolist() == [True, False]
    np.testing.assert_array_equal(info["agent_rewards"], [2.0, 0.0])
    assert reward == 2.0


def test_critic_observations_is_every_agents_observation() -> None:
    game = ParallelGame(RelayGame(), critic="observations")
    obs, _ = game.reset(seed=2)
    np.testing.assert_array_equal(obs["state"], [2.0, 10.0])
    assert "state" not in ParallelGame(RelayGame(), critic="own").reset()[0]


def test_env_id_names_a_factory_or_an_mpe2_module() -> None:
    env = make_env(EnvConfig(id=RELAY, kwargs={"max_cycles": 2}, max_episode_steps=1))
    assert isinstance(env.unwrapped, ParallelGame)
    env.reset(seed=0)
    assert env.step(np.array([1, 1]))[3]  # the run's time limit cuts the game off
    spread = make_env(EnvConfig(id="mpe2:simple_spread_v3", kwargs={"N": 3}, agents={"critic": "state"}))
    assert spread.unwrapped.agent_names == ("agent_0", "agent_1", "agent_2")
    assert spread.observation_space["state"].shape == (54,)


def test_bad_games_are_one_line_errors() -> None:
    with pytest.raises(RlkitError, match="no global state"):
        ParallelGame(_Stateless(), critic="state")
    with pytest.raises(RlkitError, match="different observation or action spaces"):
        make_env(EnvConfig(id="mpe2:simple_adversary_v3"))
    with pytest.raises(RlkitError, match="needs Discrete actions"):
        _TakingTurns(_Continuous())
    with pytest.raises(RlkitError, match=r"env\.actuators cannot be applied to the multi-agent"):
        make_env(EnvConfig(id=RELAY, actuators={"noise_std": 0.1}))


class _TakingTurns(ParallelGame):
    always_masked = True


class _Continuous(RelayGame):
    def __init__(self) -> None:
        super().__init__()
        self._action_space = gym.spaces.Box(-1, 1, (2,), np.float32)  # type: ignore[assignment]


class _Stateless(RelayGame):
    state_space = None  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.state_space = None


def test_a_fixed_length_task_ends_in_termination_when_asked() -> None:
    config = EnvConfig(id=RELAY, kwargs={"max_cycles": 2}, truncation_is_termination=True)
    env = make_env(config)
    env.reset(seed=0)
    env.step(np.array([1, 1]))
    *_, terminated, truncated, _ = env.step(np.array([1, 1]))
    assert terminated and not truncated


def test_agents_with_different_spaces_share_a_padded_policy() -> None:
    with pytest.raises(RlkitError, match=r"set env\.agents\.pad: true"):
        make_env(EnvConfig(id="mpe2:simple_adversary_v3"))
    game = make_env(EnvConfig(id="mpe2:simple_adversary_v3", agents={"pad": True})).unwrapped
    assert isinstance(game, ParallelGame)
    obs, _ = game.reset(seed=0)
    assert obs["observations"].shape == (3, 10)  # the adversary's 8 numbers, then two zeros
    assert np.all(obs["observations"][0, 8:] == 0) and "action_masks" not in obs  # every agent has 5 moves


def test_padded_moves_are_masked_and_padded_box_actions_dropped() -> None:
    game = ParallelGame(_Uneven(), pad=True)
    obs, _ = game.reset(seed=0)
    assert obs["action_masks"].tolist() == [[1, 1, 1], [1, 1, 0]]  # agent_1 has two moves
    assert game.agent_observation_space.shape == (2,)
    np.testing.assert_array_equal(obs["observations"], [[0.0, 0.0], [10.0, 0.0]])
    boxes = [gym.spaces.Box(-2, 2, (2,), np.float32), gym.spaces.Box(0, 1, (3,), np.float32)]
    padded = padded_action_space("x", boxes)
    np.testing.assert_array_equal(padded.low, [-2, -2, 0])
    np.testing.assert_array_equal(padded.high, [2, 2, 1])


class _Uneven(RelayGame):
    def __init__(self) -> None:
        super().__init__()
        self._observations_wide = gym.spaces.Box(-np.inf, np.inf, (2,), np.float32)
        self._two_moves = gym.spaces.Discrete(2)

    def observation_space(self, agent: str) -> gym.spaces.Box:
        return self._observations_wide if agent == "agent_0" else self._observation_space

    def action_space(self, agent: str) -> gym.spaces.Discrete:
        return self._action_space if agent == "agent_0" else self._two_moves

    def _observations(self) -> dict[str, np.ndarray]:
        observations = super()._observations()
        if "agent_0" in observations:
            observations["agent_0"] = np.array([self.positions[0], 0.0], np.float32)
        return observations


def test_the_custom_game_example_follows_the_api_and_trains(tmp_path: Path) -> None:
    from examples.custom_game.rendezvous import Rendezvous, parallel_env
    from rlkit.api import train

    parallel_api_test(Rendezvous(), num_cycles=60)
    overrides = ["train.total_steps=200", "rollout.num_envs=2", "agent.batch_size=100", "eval.episodes=2"]
    train("examples/custom_game/rendezvous.yaml", *overrides, "eval.interval=0", run_dir=tmp_path / "yaml")
    summary = json.loads((tmp_path / "yaml" / "eval.json").read_text())
    assert set(summary["agent_returns"]) == {"agent_0", "agent_1", "agent_2"}
    # the Python API takes the factory itself
    run = train(
        "spread-mappo",
        *overrides,
        "eval.interval=0",
        "env.kwargs={agents: 2}",
        env=parallel_env,
        run_dir=tmp_path / "api",
    )
    assert set(json.loads((run.run_dir / "eval.json").read_text())["agent_returns"]) == {"agent_0", "agent_1"}
