"""Evaluation steps its episodes on the batched backend where it can run the env, with the returns the sync
backend gives for the same seeds; ``rlkit eval`` and the evaluation of a training run go through it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import rlkit.evaluate.evaluator as evaluator
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.evaluate.evaluator import EvaluationResult, evaluate_policy
from rlkit.rollout.batched import BatchedVectorEnv
from tests.cli.conftest import run_cli
from tests.evaluate.conftest import train_tiny


class LinearPolicy:
    """A fixed deterministic policy, ``tanh(obs @ W)``, that records the episode starts it is told."""

    def __init__(self, obs_size: int, action_size: int) -> None:
        self.weights = np.random.default_rng(0).normal(0.0, 0.5, (obs_size, action_size))
        self.starts: list[np.ndarray] = []

    def __call__(self, obs: np.ndarray, episode_starts: np.ndarray) -> np.ndarray:
        self.starts.append(episode_starts.copy())
        return np.tanh(obs @ self.weights).astype(np.float32)


def evaluate_on_sync(
    monkeypatch: pytest.MonkeyPatch, policy: LinearPolicy, config: EnvConfig, **kwargs: Any
) -> EvaluationResult:
    """The same evaluation with its envs on the sync backend."""
    real = evaluator.make_vector_env
    with monkeypatch.context() as patch:
        patch.setattr(evaluator, "make_vector_env", lambda env, num_envs, rollout: real(env, num_envs))
        return evaluate_policy(policy, config, **kwargs)


@pytest.mark.parametrize(("env_id", "sizes"), [("rlkit/Walker-v0", (16, 6)), ("HalfCheetah-v5", (17, 6))])
def test_batched_evaluation_returns_what_sync_returns(
    env_id: str, sizes: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Short episodes in waves of 3 envs, the last wave partly idle; the walker also falls (terminations).
    config = EnvConfig(id=env_id, max_episode_steps=40)
    batched_policy, sync_policy = LinearPolicy(*sizes), LinearPolicy(*sizes)
    kwargs: dict[str, Any] = {"episodes": 7, "seed": 123, "max_parallel": 3}
    batched = evaluate_policy(batched_policy, config, threads=2, **kwargs)
    sync = evaluate_on_sync(monkeypatch, sync_policy, config, **kwargs)
    assert (batched.backend, sync.backend) == ("batched", "sync")
    assert batched.returns == sync.returns  # to the bit
    assert batched.lengths == sync.lengths
    assert len(batched.returns) == 7 and len(set(batched.returns)) == 7  # seeds 123..129: all different
    np.testing.assert_array_equal(np.stack(batched_policy.starts), np.stack(sync_policy.starts))
    assert batched.summary() == sync.summary()


def test_an_env_the_batched_backend_cannot_run_is_evaluated_on_sync() -> None:
    result = evaluate_policy(lambda obs, starts: np.zeros(len(obs), dtype=np.int64), EnvConfig(), 2, seed=0)
    assert result.backend == "sync" and len(result.returns) == 2


def test_rlkit_eval_steps_a_mujoco_run_on_the_batched_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = train_tiny(tmp_path / "run")  # trained on sync, rlkit/CartPoleBalance-v0, 50-step episodes
    capsys.readouterr()
    steps: list[int] = []
    built: list[RolloutConfig | None] = []
    real_step, real_init = BatchedVectorEnv.step, BatchedVectorEnv.__init__

    def counting_step(self: BatchedVectorEnv, actions: np.ndarray) -> Any:
        steps.append(self.num_envs)
        return real_step(self, actions)

    def recording_init(
        self: BatchedVectorEnv, env: EnvConfig, num_envs: int, rollout: Any = None, **kwargs: Any
    ) -> None:
        built.append(rollout)
        real_init(self, env, num_envs, rollout, **kwargs)

    monkeypatch.setattr(BatchedVectorEnv, "step", counting_step)
    monkeypatch.setattr(BatchedVectorEnv, "__init__", recording_init)
    status, _, err = run_cli(["eval", str(run_dir), "--episodes", "3"], capsys)
    assert status == 0, err
    assert len(built) == 1 and sum(steps) >= 3  # one batched env of 3 envs stepped the episodes
    assert set(steps) == {3}
