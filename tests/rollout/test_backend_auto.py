"""``rollout.backend: auto``: the batched backend where it can run the env, else sync, the same results either
way; the training log says which it picked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from pydantic import ValidationError

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.vector_env import describe_backend_choice, make_vector_env
from tests.cli.conftest import run_cli
from tests.rollout.helpers import assert_same

AUTO = RolloutConfig(backend="auto", threads=2)


@pytest.mark.parametrize("env_id", ["rlkit/Walker-v0", "HalfCheetah-v5"])
def test_auto_batches_a_mujoco_task_with_the_results_of_sync(env_id: str) -> None:
    config = EnvConfig(id=env_id, max_episode_steps=15)
    sync, auto = make_vector_env(config, 3), make_vector_env(config, 3, AUTO)
    assert isinstance(auto, BatchedVectorEnv) and auto.threads == 2
    assert describe_backend_choice(auto, config, AUTO) == (
        "rollout.backend auto: batched (3 envs as one batch of sims on 2 threads)"
    )
    assert_same(sync.reset(seed=4), auto.reset(seed=4), "reset")
    rng = np.random.default_rng(1)
    for step in range(40):  # past the time limit: autoreset included
        actions = rng.uniform(-1, 1, (3, *sync.single_action_space.shape)).astype(np.float32)
        assert_same(sync.step(actions), auto.step(actions), f"step {step}")
    sync.close()
    auto.close()


@pytest.mark.parametrize(
    ("config", "render_mode", "reason"),
    [
        (EnvConfig(id="rlkit/Reacher-v0", pixels={}), None, "env.pixels is not supported"),
        (EnvConfig(id="rlkit/Reacher-v0"), "rgb_array", "render_mode 'rgb_array'"),
    ],
)
def test_auto_steps_on_sync_what_the_batched_backend_cannot_run(
    config: EnvConfig, render_mode: str | None, reason: str
) -> None:
    env = make_vector_env(config, 2, AUTO, render_mode=render_mode)
    assert isinstance(env, gym.vector.SyncVectorEnv)
    note = describe_backend_choice(env, config, AUTO)
    assert note is not None and note.startswith("rollout.backend auto: sync (the batched backend cannot")
    assert reason in note or (render_mode is not None and "its envs render" in note)
    assert "use rollout.backend sync" not in note  # that advice is for who asked for batched
    env.close()


def test_auto_says_nothing_for_an_env_that_is_not_a_mujoco_sim() -> None:
    config = EnvConfig(id="CartPole-v1")
    env = make_vector_env(config, 2, AUTO)
    assert isinstance(env, gym.vector.SyncVectorEnv)
    assert describe_backend_choice(env, config, AUTO) is None
    env.close()


def test_auto_is_the_default_and_a_named_backend_is_not_reported() -> None:
    # batched and sync give the same data and both resume exactly, so the faster one is picked by default
    assert RolloutConfig().backend == "auto"
    config = EnvConfig(id="rlkit/Walker-v0")
    env = make_vector_env(config, 2, RolloutConfig(backend="sync"))
    assert isinstance(env, gym.vector.SyncVectorEnv)
    assert describe_backend_choice(env, config, RolloutConfig(backend="sync")) is None
    env.close()


def test_worker_backend_needs_the_ray_backend() -> None:
    with pytest.raises(ValidationError, match="worker_backend 'batched' needs backend 'ray'"):
        RolloutConfig(backend="auto", worker_backend="batched")


TRAIN = [
    "train",
    "cartpole-swingup-ppo",
    "rollout.backend=auto",
    "rollout.threads=2",
    "rollout.num_envs=4",
    "train.total_steps=256",
    "agent.n_steps=32",
    "agent.n_epochs=1",
    "train.device=cpu",
    "eval.episodes=1",
    "eval.interval=0",
    "log.interval=128",
    "log.progress=true",
    "log.tensorboard=false",
]


def test_rlkit_train_with_auto_says_what_it_picked_and_steps_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[int] = []
    real_step = BatchedVectorEnv.step

    def counting_step(self: BatchedVectorEnv, actions: np.ndarray) -> Any:
        steps.append(self.num_envs)
        return real_step(self, actions)

    monkeypatch.setattr(BatchedVectorEnv, "step", counting_step)
    status, out, err = run_cli([*TRAIN, "--run-dir", str(tmp_path / "batched")], capsys)
    assert status == 0, err
    assert "rollout.backend auto: batched (4 envs as one batch of sims on 2 threads)" in out
    # the 256 training steps and the final evaluation's episode (1 env, 1000 steps)
    assert sum(steps) == 256 + 1000

    status, out, err = run_cli([*TRAIN, "env.id=CartPole-v1", "--run-dir", str(tmp_path / "sync")], capsys)
    assert status == 0, err
    assert "rollout.backend auto" not in out  # not a MuJoCo sim: sync is the only choice, nothing to say
