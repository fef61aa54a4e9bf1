"""The ``subprocess`` rollout backend: the same data as ``sync``, env calls, surviving crashes, no leaks."""

from __future__ import annotations

import csv
import logging
import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from rlkit.config.loading import load_config
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.errors import RlkitError
from rlkit.rollout import subprocess_vector_env
from rlkit.rollout.subprocess_vector_env import RESTART_SEED_OFFSET, SubprocessVectorEnv
from rlkit.rollout.vector_env import make_vector_env
from rlkit.training.metrics_rows import is_clock_column
from rlkit.training.trainer import Trainer
from tests.rollout.helpers import assert_same

TWO_WORKERS = RolloutConfig(num_envs=4, backend="subprocess", num_workers=2)
# Short episodes, so that both terminations and truncations (and their final_obs) show up.
CARTPOLE = EnvConfig(id="CartPole-v1", max_episode_steps=40)
SEEDS = [11, 12, 13, 14]


class CountingEnv(gym.Env):
    """Episodes of ``length`` steps (truncated); it can fail in its constructor, in reset, or in step number
    ``fail_at`` after a reset with seed ``fail_seed`` (a replacement's fresh seeds do not fail again)."""

    def __init__(self, length: int = 10, fail_in: str = "", fail_seed: int = -1, fail_at: int = 0) -> None:
        if fail_in == "init":
            raise ValueError("broken constructor\nsecond line")
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (2,), np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.length, self.fail_in, self.fail_seed, self.fail_at = length, fail_in, fail_seed, fail_at
        self._armed, self._steps, self._t = False, 0, 0

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if self.fail_in == "reset":
            raise ValueError("broken reset")
        if seed is not None:
            self._armed, self._steps = seed == self.fail_seed, 0
        self._t = 0
        return np.array([0.0, self.np_random.normal()], np.float32), {}

    def step(self, action):
        self._steps += 1
        if self._armed and self._steps == self.fail_at:
            raise ValueError("env exploded")
        self._t += 1
        obs = np.array([self._t, self.np_random.normal()], np.float32)
        return obs, 1.0, False, self._t >= self.length, {}


class StuckEnv(CountingEnv):
    """A step that does not end within any test: its worker does not answer."""

    def step(self, action):
        time.sleep(60)
        return super().step(action)


class ImageEnv(gym.Env):
    """uint8 image observations, discrete actions, random episode ends, an info on some steps."""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(0, 255, (6, 6, 3), np.uint8)
        self.action_space = gym.spaces.Discrete(3)

    def _image(self) -> np.ndarray:
        return self.np_random.integers(0, 256, (6, 6, 3), dtype=np.uint8)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        return self._image(), {}

    def step(self, action):
        roll = self.np_random.random()
        info = {"roll": roll} if roll < 0.3 else {}
        return self._image(), float(action) * roll, roll < 0.05, 0.05 <= roll < 0.08, info


def env_id(env_class: type) -> str:
    # This module, by the name it was imported under: the workers import it the same way.
    return f"{__name__}:{env_class.__name__}"


def run_both(config: EnvConfig, steps: int, actions: Any, num_envs: int = 4, workers: int = 2) -> int:
    """Step ``sync`` and ``subprocess`` side by side, asserting identical results; returns episode ends."""
    rollout = RolloutConfig(num_envs=num_envs, backend="subprocess", num_workers=workers)
    sync, sub = make_vector_env(config, num_envs), make_vector_env(config, num_envs, rollout)
    try:
        assert isinstance(sub, SubprocessVectorEnv)
        assert sub.single_observation_space == sync.single_observation_space
        assert sub.single_action_space == sync.single_action_space
        assert sub.observation_space == sync.observation_space and sub.action_space == sync.action_space
        assert sub.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP
        seeds = list(range(100, 100 + num_envs))
        assert_same(sub.reset(seed=seeds), sync.reset(seed=seeds), "reset")
        ends = 0
        for step in range(steps):
            action = actions(step)
            result, expected = sub.step(action), sync.step(action)
            assert_same(result, expected, f"step {step}")
            ends += int(np.sum(expected[2] | expected[3]))
        return ends
    finally:
        sub.close()
        sync.close()


def test_cartpole_matches_sync_bit_for_bit() -> None:
    rng = np.random.default_rng(0)
    ends = run_both(CARTPOLE, 300, lambda _: rng.integers(0, 2, 4))
    assert ends > 20


def test_mujoco_reacher_matches_sync_bit_for_bit() -> None:
    space = gym.spaces.Box(-1.0, 1.0, (4, 2), np.float32)
    space.seed(0)
    ends = run_both(EnvConfig(id="rlkit/Reacher-v0"), 220, lambda _: space.sample())
    assert ends == 8  # 100-step episodes: every env ended twice, with final_obs and final_info compared


def test_uint8_images_and_pickled_actions_match_sync() -> None:
    rng = np.random.default_rng(1)
    # Odd steps pass a list: actions that do not fit the shared array travel pickled, with the same result.
    ends = run_both(
        EnvConfig(id=env_id(ImageEnv)),
        120,
        lambda step: rng.integers(0, 3, 6) if step % 2 else rng.integers(0, 3, 6).tolist(),
        num_envs=6,
        workers=3,
    )
    assert ends > 20


def test_dict_observations_and_calls_match_sync() -> None:
    config = load_config(
        "reacher-ppo",
        [
            "env.randomization.parameters=[{parameter: body_mass, low: 0.5, high: 1.5}]",
            "env.randomization.privileged_observation=true",
        ],
    )
    sync = make_vector_env(config.env, 2)
    sub = make_vector_env(config.env, 2, RolloutConfig(num_envs=2, backend="subprocess", num_workers=2))
    try:
        assert isinstance(sub.single_observation_space, gym.spaces.Dict)
        assert sub.call("set_randomization_scale", 0.25) == sync.call("set_randomization_scale", 0.25)
        assert sub.get_attr("randomization_scale") == (0.25, 0.25)
        with pytest.raises(AttributeError):
            sub.call("no_such_method")
        assert_same(sub.reset(seed=[5, 6]), sync.reset(seed=[5, 6]), "reset")
        space = sub.action_space
        space.seed(3)
        for step in range(110):  # across the 100-step episode ends
            action = space.sample()
            assert_same(sub.step(action), sync.step(action), f"step {step}")
        sub.set_attr("metadata", {"render_fps": 1})
        assert sub.get_attr("metadata") == ({"render_fps": 1}, {"render_fps": 1})
    finally:
        sub.close()
        sync.close()


def test_killed_worker_is_replaced_and_its_episodes_truncated(caplog: pytest.LogCaptureFixture) -> None:
    sync = make_vector_env(CARTPOLE, 4)
    sub = make_vector_env(CARTPOLE, 4, TWO_WORKERS)
    rng = np.random.default_rng(2)
    try:
        sync.reset(seed=SEEDS)
        obs, _ = sub.reset(seed=SEEDS)
        for _ in range(25):
            action = rng.integers(0, 2, 4)
            sync.step(action)
            obs, *_ = sub.step(action)
        os.kill(sub._workers[1].process.pid, signal.SIGKILL)
        action = rng.integers(0, 2, 4)
        expected = sync.step(action)
        with caplog.at_level(logging.WARNING):
            next_obs, rewards, terminated, truncated, infos = sub.step(action)
        # Envs 0-1 (worker 0) are untouched by the crash.
        assert_same(
            (next_obs[:2], rewards[:2], terminated[:2], truncated[:2]), tuple(x[:2] for x in expected[:4])
        )
        # Envs 2-3: one truncated step, from the last observations they delivered to a new episode.
        assert rewards[2:].tolist() == [0.0, 0.0] and not terminated[2:].any() and truncated[2:].all()
        assert infos["worker_restarted"].tolist() == [False, False, True, True]
        assert infos["_worker_restarted"].tolist() == [False, False, True, True]
        for index in (2, 3):
            assert_same(infos["final_obs"][index], obs[index])
            fresh = gym.make("CartPole-v1")
            first, _ = fresh.reset(seed=SEEDS[index] + RESTART_SEED_OFFSET)
            assert_same(next_obs[index], first)
        assert sub.worker_restarts == 1
        [record] = [r for r in caplog.records if r.name.endswith("subprocess_vector_env")]
        assert "worker 1 (envs 2-3)" in record.getMessage() and "SIGKILL" in record.getMessage()
        # Stepping goes on, and worker 0's envs still match sync.
        for _ in range(30):
            action = rng.integers(0, 2, 4)
            result, expected = sub.step(action), sync.step(action)
            assert_same(tuple(x[:2] for x in result[:4]), tuple(x[:2] for x in expected[:4]))
    finally:
        sub.close()
        sync.close()


def test_worker_found_dead_by_a_call_is_replaced_with_the_settings_made(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sub = make_vector_env(EnvConfig(id=env_id(CountingEnv)), 4, TWO_WORKERS)
    try:
        sub.set_attr("length", [3, 3, 6, 6])
        obs, _ = sub.reset(seed=SEEDS)
        obs, *_ = sub.step(np.zeros(4, dtype=np.int64))
        process = sub._workers[0].process
        os.kill(process.pid, signal.SIGKILL)
        process.join()
        # The call notices, replaces the worker (which gets the lengths set before) and answers.
        with caplog.at_level(logging.WARNING):
            assert sub.get_attr("length") == (3, 3, 6, 6)
        assert "rollout worker 0 (envs 0-1) was killed by SIGKILL" in caplog.text
        next_obs, rewards, _, truncated, infos = sub.step(np.zeros(4, dtype=np.int64))
        assert truncated.tolist() == [True, True, False, False] and rewards.tolist() == [0, 0, 1, 1]
        assert next_obs[:, 0].tolist() == [0, 0, 2, 2]
        assert infos["_worker_restarted"].tolist() == [True, True, False, False]
        assert_same(infos["final_obs"][0], obs[0])
        for _ in range(3):  # the replacement's episodes are 3 steps long, as set
            next_obs, _, _, truncated, _ = sub.step(np.zeros(4, dtype=np.int64))
        assert truncated.tolist() == [True, True, False, False]
        assert next_obs[:, 0].tolist() == [0, 0, 5, 5]
    finally:
        sub.close()


def test_worker_whose_env_raises_is_replaced(caplog: pytest.LogCaptureFixture) -> None:
    config = EnvConfig(id=env_id(CountingEnv), kwargs={"fail_seed": SEEDS[3], "fail_at": 7})
    sub = make_vector_env(config, 4, TWO_WORKERS)
    try:
        sub.reset(seed=SEEDS)
        for _ in range(6):
            obs, *_ = sub.step(np.zeros(4, dtype=np.int64))
        with caplog.at_level(logging.WARNING):
            next_obs, rewards, _, truncated, infos = sub.step(np.zeros(4, dtype=np.int64))
        assert truncated.tolist() == [False, False, True, True] and rewards.tolist() == [1, 1, 0, 0]
        assert infos["_final_obs"].tolist() == [False, False, True, True]
        assert_same(infos["final_obs"][3], obs[3])
        assert next_obs[:, 0].tolist() == [7, 7, 0, 0]
        assert (
            "failed in env 3: ValueError: env exploded" in caplog.text
            and "worker 1 (envs 2-3)" in caplog.text
        )
        next_obs, *_ = sub.step(np.zeros(4, dtype=np.int64))
        assert next_obs[:, 0].tolist() == [8, 8, 1, 1]
    finally:
        sub.close()


@pytest.mark.parametrize(("fail_in", "message"), [("init", "broken constructor"), ("reset", "broken reset")])
def test_broken_env_is_a_clear_error(fail_in: str, message: str) -> None:
    config = EnvConfig(id=env_id(CountingEnv), kwargs={"fail_in": fail_in})
    env = None
    pattern = rf"environment '{re.escape(config.id)}'.*env \d: ValueError: {message}"
    with pytest.raises(RlkitError, match=pattern) as raised:
        env = SubprocessVectorEnv(config, 4, TWO_WORKERS)
        env.reset(seed=0)
    assert "second line" not in str(raised.value)
    if env is not None:
        env.close()


def test_close_stops_workers_and_frees_shared_memory() -> None:
    env = SubprocessVectorEnv(CARTPOLE, 4, TWO_WORKERS)
    env.reset(seed=0)
    env.step(np.zeros(4, dtype=np.int64))
    name = env._shared[0].name
    processes = [worker.process for worker in env._workers]
    assert Path("/dev/shm", name.lstrip("/")).exists()
    env.close()
    assert not Path("/dev/shm", name.lstrip("/")).exists()
    assert not any(process.is_alive() for process in processes)
    env.close()  # twice is fine


def test_close_gives_all_stuck_workers_one_grace_period(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ctrl-C while every worker is in a long step: close kills the workers that do not answer within one
    # grace period, not one period after another.
    monkeypatch.setattr(subprocess_vector_env, "_CLOSE_TIMEOUT", 2.0)
    env = SubprocessVectorEnv(EnvConfig(id=env_id(StuckEnv)), 4, TWO_WORKERS)
    env.reset(seed=0)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            env.step(np.zeros(4, dtype=np.int64))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    processes = [worker.process for worker in env._workers]
    start = time.monotonic()
    env.close()
    assert 2.0 <= time.monotonic() - start < 3.5  # one period for both workers (two took 4 s)
    assert not any(process.is_alive() for process in processes)


QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "train.target_return=null"]


def train(tmp_path: Path, preset: str, overrides: list[str]) -> list[dict[str, str]]:
    config = load_config(preset, [*QUIET, *overrides])
    Trainer(config, tmp_path).run()
    with (tmp_path / "metrics.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_training_on_subprocess_matches_sync(tmp_path: Path) -> None:
    common = ["train.total_steps=2048", "log.interval=256", "train.seed=3"]
    sync = train(tmp_path / "sync", "cartpole-ppo", ["rollout.backend=sync", *common])
    sub = train(
        tmp_path / "sub", "cartpole-ppo", ["rollout.backend=subprocess", "rollout.num_workers=2", *common]
    )
    assert len(sync) == len(sub) == 8

    def timing(key: str) -> bool:
        return is_clock_column(key) or key == "rollout/worker_restarts"

    assert any(key.startswith("loss") or "loss" in key for key in sync[0])
    for expected, row in zip(sync, sub, strict=True):
        assert {k: v for k, v in row.items() if not timing(k)} == {
            k: v for k, v in expected.items() if not timing(k)
        }
        assert row["rollout/worker_restarts"] == "0"


def test_training_leaves_episodes_cut_by_a_crash_out_of_the_statistics(tmp_path: Path) -> None:
    # Env 0 (seed 0) raises in its 25th step, half-way through its third 10-step episode.
    rows = train(
        tmp_path,
        "cartpole-ppo",
        [
            f"env.id={env_id(CountingEnv)}",
            "env.kwargs={fail_seed: 0, fail_at: 25}",
            "rollout.num_envs=4",
            "rollout.backend=subprocess",
            "rollout.num_workers=2",
            "agent.n_steps=32",
            "train.total_steps=256",
            "log.interval=128",
        ],
    )
    last = rows[-1]
    assert last["rollout/worker_restarts"] == "1"
    assert float(last["return_min"]) == float(last["return_max"]) == 10.0
    assert float(last["length_mean"]) == 10.0
    # 64 steps per env, minus 2 cut episodes (envs 0 and 1), each env starting over once.
    assert int(last["episodes"]) == 4 * 6 - 2
