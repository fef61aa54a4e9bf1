"""A policy of its own per agent (env.agents.parameter_sharing: false): rows routed, learning, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from rlkit.agents.base import StepResult
from rlkit.agents.separate_policies import SeparatePolicies, agent_part, interleaved
from rlkit.api import train
from rlkit.errors import ConfigError, RlkitError
from rlkit.evaluate.checkpoint_eval import restore_agent
from rlkit.export.policy_export import export_policies, export_policy
from tests.multi_agent.opposites_game import OppositesGame

OPPOSITES = "tests.multi_agent.opposites_game:opposites_game"


def opposites_run(tmp_path: Path, sharing: bool) -> Path:
    config = {
        "env": {"id": OPPOSITES, "agents": {"agent_id": False, "parameter_sharing": sharing}},
        "agent": {"name": "ppo", "n_steps": 4, "batch_size": 64, "n_epochs": 4, "lr": 0.01, "ent_coef": 0.0},
        "rollout": {"num_envs": 16},
        "train": {"total_steps": 3200, "seed": 3},
        "eval": {"episodes": 8, "interval": 0},
        "log": {"progress": False},
    }
    run = tmp_path / ("shared" if sharing else "separate")
    train(config, run_dir=run)
    return run


def test_the_opposites_game_follows_the_parallel_api() -> None:
    parallel_api_test(OppositesGame(), num_cycles=3)


def test_rows_split_by_agent_and_come_back_in_order() -> None:
    rows = np.arange(12).reshape(6, 2)  # 3 games of 2 agents: game g's agent i at row 2g + i
    parts = [agent_part(rows, i, 2) for i in range(2)]
    np.testing.assert_array_equal(parts[0], [[0, 1], [4, 5], [8, 9]])
    np.testing.assert_array_equal(interleaved(parts), rows)
    split = agent_part({"policy": rows, "action_mask": rows[:, :1]}, 1, 2)
    np.testing.assert_array_equal(split["action_mask"], [[2], [6], [10]])


class Recorder:
    """An agent stand-in that answers with its index and keeps what it was given."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.seen: list[Any] = []
        self.gradient_steps_done = index + 1
        self.config = self.observation_space = self.action_space = self.device = None
        self.num_envs, self.total_steps, self.seed = 3, 10, 0

    def explore(self, obs: Any, env_steps: int, actions: Any = None) -> np.ndarray:
        self.seen.append(obs)
        return np.full(len(obs), self.index)

    def record(self, step: StepResult) -> None:
        self.seen.append(step)

    def update_due(self, env_steps: int) -> bool:
        return True

    def update(self, progress: float) -> dict[str, float]:
        return {"loss/policy": float(self.index)}


def test_each_agent_acts_records_and_learns_on_its_own_rows() -> None:
    recorders = [Recorder(0), Recorder(1)]
    agent = SeparatePolicies(recorders, ["red", "blue"])  # type: ignore[arg-type]
    obs = np.arange(6, dtype=np.float64)[:, None]
    np.testing.assert_array_equal(agent.explore(obs, 0), [0, 1, 0, 1, 0, 1])
    np.testing.assert_array_equal(recorders[1].seen[0], [[1.0], [3.0], [5.0]])
    rewards = np.array([10.0, 11.0, 12.0, 13.0, 14.0, 15.0])
    done = np.zeros(6, dtype=bool)
    agent.record(StepResult(rewards, done, done, obs))
    np.testing.assert_array_equal(recorders[0].seen[1].rewards, [10.0, 12.0, 14.0])
    np.testing.assert_array_equal(recorders[1].seen[1].next_obs, [[1.0], [3.0], [5.0]])
    assert agent.update_due(0)
    metrics = agent.update(0.5)
    assert metrics == {"loss/policy": 0.5, "agents/red/loss/policy": 0.0, "agents/blue/loss/policy": 1.0}
    assert agent.gradient_steps_done == 3


def test_separate_policies_learn_what_one_shared_policy_cannot(tmp_path: Path) -> None:
    shared = json.loads((opposites_run(tmp_path, sharing=True) / "eval.json").read_text())
    separate_run = opposites_run(tmp_path, sharing=False)
    separate = json.loads((separate_run / "eval.json").read_text())
    assert separate["agent_returns"] == {"agent_0": 1.0, "agent_1": 1.0}
    assert shared["team_return"] <= 1.0  # the same observation: the same action for both
    restored = restore_agent(separate_run).agent
    assert isinstance(restored, SeparatePolicies)
    obs = np.ones((4, 1), dtype=np.float32)
    np.testing.assert_array_equal(restored.act(obs), [0, 1, 0, 1])

    results = export_policies(separate_run, parity_steps=8)
    assert [result.path.name for result in results] == ["policy_agent_0.onnx", "policy_agent_1.onnx"]
    assert all(result.parity.passed for result in results)
    assert json.loads(results[1].sidecar.read_text())["agent"] == "agent_1"
    with pytest.raises(RlkitError, match="2 policies"):
        export_policy(separate_run, parity_steps=8)


def test_a_checkpoint_of_other_agents_is_refused(tmp_path: Path) -> None:
    recorders = [Recorder(0), Recorder(1)]
    agent = SeparatePolicies(recorders, ["red", "blue"])  # type: ignore[arg-type]
    with pytest.raises(RlkitError, match="holds policies for one shared policy"):
        agent.load_state_dict({"network": {}})
    with pytest.raises(RlkitError, match=r"holds policies for \['green', 'red'\]"):
        agent.load_state_dict({"agents": {"red": {}, "green": {}}})


def test_separate_policies_need_a_game_and_no_self_play(tmp_path: Path) -> None:
    sharing = "env.agents.parameter_sharing=false"
    with pytest.raises(ConfigError, match=r"env\.agents\.parameter_sharing': false gives each agent"):
        train("cartpole-ppo", sharing, "train.total_steps=1024", run_dir=tmp_path / "cartpole")
    assert not (tmp_path / "cartpole").exists()
    with pytest.raises(RlkitError, match="self_play trains one policy"):
        train("sumo-selfplay", sharing, "train.total_steps=4096", run_dir=tmp_path / "sumo")
