"""eval.json's velocity-command metrics: ``lin_vel_tracking_error`` (the mean over every evaluated step of how
far the base's planar velocity is from the command) and ``fall_rate`` (the share of episodes a termination
ended), checked against a per-env loop over the same episodes."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlkit.envs  # noqa: F401  (registers rlkit/Quadruped-v0)
from rlkit.config.schema import EnvConfig
from rlkit.envs.tasks.quadruped import QUADRUPED_JOYSTICK_TASK
from rlkit.evaluate.evaluator import evaluate_policy


class ConstantPolicy:
    """The same action in every env: a crouch (0) or a forward lean that tips the robot over."""

    def __init__(self, action: np.ndarray) -> None:
        self.action = action.astype(np.float32)

    def __call__(self, obs: np.ndarray, episode_starts: np.ndarray) -> np.ndarray:
        return np.tile(self.action, (len(obs), 1))


def loop_over_episodes(
    task: dict, action: np.ndarray, episodes: int, seed: int, steps: int
) -> tuple[float, float]:
    """The same episodes one at a time: the mean tracking error over their steps, and their fall rate."""
    errors, falls = [], []
    for episode in range(episodes):
        env = gym.make("rlkit/Quadruped-v0", task=task, max_episode_steps=steps)
        env.reset(seed=seed + episode)
        while True:
            _, _, terminated, truncated, info = env.step(action)
            errors.append(info["lin_vel_tracking_error"])
            if terminated or truncated:
                falls.append(terminated)
                break
    return float(np.mean(errors)), float(np.mean(falls))


@pytest.mark.parametrize("tip_over", [False, True])
def test_tracking_error_and_fall_rate_match_a_loop_over_the_episodes(tip_over: bool) -> None:
    task = QUADRUPED_JOYSTICK_TASK.model_dump()
    if tip_over:  # a tilt beyond 0.05 rad ends the episode: a crouching robot falls at once
        task["termination"] = [{"term": "body_tilt", "body": "trunk", "max": 0.05}]
    action = np.full(12, 2.0) if tip_over else np.zeros(12)
    config = EnvConfig(id="rlkit/Quadruped-v0", task=task, max_episode_steps=30)
    summary = evaluate_policy(ConstantPolicy(action), config, episodes=3, seed=7).summary()
    error, fall_rate = loop_over_episodes(task, action, 3, 7, 30)
    assert summary["lin_vel_tracking_error"] == pytest.approx(error, rel=1e-9)
    assert summary["fall_rate"] == fall_rate == (1.0 if tip_over else 0.0)
    if tip_over:
        assert summary["mean_length"] < 30


def test_a_task_without_commands_reports_neither() -> None:
    summary = evaluate_policy(
        ConstantPolicy(np.zeros(1)), EnvConfig(id="Pendulum-v1", max_episode_steps=5), episodes=2, seed=0
    ).summary()
    assert "lin_vel_tracking_error" not in summary and "fall_rate" not in summary
