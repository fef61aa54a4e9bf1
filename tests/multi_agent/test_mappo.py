"""MAPPO: every agent's value target from its own rewards and the critic's value of the global state."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from rlkit.agents.base import StepResult
from rlkit.config.loading import load_config
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.rollout.agent_rows import AgentRowsVectorEnv
from rlkit.rollout.vector_env import final_observations, make_vector_env
from rlkit.runs.build import build_agent
from rlkit.training.trainer import Trainer

RELAY = "tests.multi_agent.relay_game:relay_game"


def test_value_targets_are_each_agents_rewards_bootstrapped_on_the_shared_state_value() -> None:
    """Hand-checked: agent_0 walks right from 0, agent_1 left from 10 (rewards: their new positions), for two
    steps of a 5-step game; V(state) = p0 + 2 p1, gamma 0.5, lambda 1.

    States s0 = (0, 10), s1 = (1, 9), s2 = (2, 8): V = 20, 19, 18. The rollout ends at s2 (bootstrapped):
    agent_0: G1 = 1 + 0.5 * 2 + 0.25 * 18 = 6.5, G2 = 2 + 0.5 * 18 = 11;
    agent_1: G1 = 9 + 0.5 * 8 + 0.25 * 18 = 17.5, G2 = 8 + 0.5 * 18 = 17.
    """
    config = load_config(
        "cartpole-ppo",
        [
            f"env.id={RELAY}",
            "env.kwargs={max_cycles: 5}",
            "env.agents.critic=state",
            "agent.n_steps=2",
            "agent.gamma=0.5",
            "agent.gae_lambda=1.0",
            "agent.normalize_observations=false",
            "agent.normalize_returns=false",
            "rollout.num_envs=1",
        ],
    )
    env = make_vector_env(config.env, 1, config.rollout)
    assert isinstance(env, AgentRowsVectorEnv)
    agent = build_agent(config, env.single_observation_space, env.single_action_space, torch.device("cpu"), 2)
    policy_width = 1 + 2  # own position, agent index

    def state_value(obs: torch.Tensor) -> torch.Tensor:  # the critic reads the state after the policy part
        state = obs[..., policy_width:]
        return state[..., 0] + 2 * state[..., 1]

    agent.policy.value = state_value  # type: ignore[method-assign]
    captured = {}

    def capture(advantages: torch.Tensor, returns: torch.Tensor) -> None:
        captured["advantages"], captured["returns"] = advantages, returns
        raise _CapturedError

    agent.training_samples = capture  # type: ignore[method-assign]
    obs, _ = env.reset(seed=0)
    for _ in range(2):
        agent.explore(obs, 0, actions=np.array([2, 0]))  # right, left
        obs, rewards, terminated, truncated, infos = env.step(np.array([2, 0]))
        real = final_observations(obs, infos, terminated | truncated)
        agent.record(StepResult(rewards, terminated, truncated, real))
    with pytest.raises(_CapturedError):
        agent.update(1.0)
    torch.testing.assert_close(captured["returns"], torch.tensor([[6.5, 17.5], [11.0, 17.0]]))
    values = torch.tensor([[20.0, 20.0], [19.0, 19.0]])  # one state value for both agents
    torch.testing.assert_close(captured["advantages"], captured["returns"] - values)
    env.close()


def test_the_centralized_critic_reads_the_state_and_the_actor_does_not() -> None:
    config = load_config("cartpole-ppo", [f"env.id={RELAY}", "env.agents.critic=state"])
    env = make_vector_env(config.env, 1, RolloutConfig(num_envs=1))
    agent = build_agent(config, env.single_observation_space, env.single_action_space, torch.device("cpu"), 2)
    obs, _ = env.reset(seed=0)
    flat = torch.as_tensor(np.concatenate([obs["policy"], obs["privileged"]], axis=-1))
    moved = flat.clone()
    moved[:, 3:] += 5.0  # another global state, the same own observations
    with torch.no_grad():
        assert not torch.allclose(agent.policy.value(flat), agent.policy.value(moved))
        assert torch.equal(agent.policy.distribution(flat).logits, agent.policy.distribution(moved).logits)
    env.close()


class _CapturedError(Exception):
    pass


def _train(tmp_path: Path, name: str, seed: int, *overrides: str) -> list[dict[str, str]]:
    config = load_config(
        "spread-mappo",
        [
            "train.total_steps=400",
            "rollout.num_envs=4",
            "agent.batch_size=100",
            "agent.n_epochs=2",
            "log.interval=100",
            "eval.episodes=2",
            "eval.interval=0",
            f"train.seed={seed}",
            *overrides,
        ],
    )
    Trainer(config, tmp_path / name).run()
    with (tmp_path / name / "metrics.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_a_seed_reproduces_a_multi_agent_run_and_logs_team_and_agent_returns(tmp_path: Path) -> None:
    first, again, other = _train(tmp_path, "a", 0), _train(tmp_path, "b", 0), _train(tmp_path, "c", 1)
    columns = [
        key for key in first[0] if key not in ("wall_time", "steps_per_second") and "seconds" not in key
    ]
    assert [[row[key] for key in columns] for row in first] == [
        [row[key] for key in columns] for row in again
    ]
    assert [row["loss/value"] for row in first] != [row["loss/value"] for row in other]
    last = first[-1]
    agents = [float(last[f"agents/agent_{i}/return_mean"]) for i in range(3)]
    assert float(last["team/return_mean"]) == pytest.approx(sum(agents))
    assert int(last["env_steps"]) == 400  # game steps, not agent steps
    assert int(last["episodes"]) == 3 * 4 * 400 // (4 * 25)  # rows: one episode per agent per game


def test_evaluation_reports_team_and_agent_returns(tmp_path: Path) -> None:
    from rlkit.evaluate.evaluator import evaluate_policy

    def stay(obs: dict[str, np.ndarray], starts: np.ndarray) -> np.ndarray:
        return np.ones(len(obs["policy"]), dtype=np.int64)

    config = EnvConfig(id=RELAY, kwargs={"max_cycles": 3}, agents={"critic": "state"})
    summary = evaluate_policy(stay, config, episodes=3, seed=1).summary()
    # standing still: agent_0 earns its seed three times, agent_1 earns 10 three times
    assert summary["agent_returns"] == {"agent_0": pytest.approx(3 * 2.0), "agent_1": 30.0}
    assert summary["team_return"] == pytest.approx(36.0)
    assert summary["mean_return"] == pytest.approx(18.0)
    assert summary["mean_length"] == 3.0 and summary["episodes"] == 3


def test_the_shared_policy_exports_as_the_decentralized_actor(tmp_path: Path) -> None:
    from rlkit.export.policy_export import export_policy

    _train(tmp_path, "run", 0, "env.agents.agent_id=true")
    result = export_policy(tmp_path / "run", parity_steps=30)
    sidecar = json.loads(result.sidecar.read_text())
    assert sidecar["inputs"]["obs"]["shape"] == ["batch", 18 + 3]  # own observation and agent index only
    assert sidecar["parity"]["passed"] and sidecar["parity"]["steps"] == 30 * 3  # every agent's actions
