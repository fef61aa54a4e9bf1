"""check_budget: a run that would train nothing is refused before anything is built or written."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlkit.config.loading import load_config
from rlkit.errors import ConfigError
from rlkit.runs.build import check_budget
from rlkit.training.trainer import Trainer

#: cartpole-ppo with one rollout of 8 envs × 32 steps = 256 env steps.
PPO = ["train.total_steps=512", "agent.n_steps=32", "rollout.num_envs=8"]


def checkpoint(env_steps: int, total_steps: int) -> dict:
    """The parts of a checkpoint that check_budget reads."""
    return {"env_steps": env_steps, "config": {"train": {"total_steps": total_steps}}}


def test_the_python_entry_refuses_before_building_anything(tmp_path: Path) -> None:
    config = load_config("cartpole-ppo", ["train.total_steps=100"])
    with pytest.raises(ConfigError, match=r"train.total_steps \(100\) is smaller than one rollout"):
        Trainer(config, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_a_resume_counts_the_steps_left() -> None:
    config = load_config("cartpole-ppo", PPO)
    check_budget(config)
    check_budget(config, checkpoint(256, 256))  # a new total of 512: one more rollout
    with pytest.raises(ConfigError, match=r"is not more than the 512 steps the run has trained"):
        check_budget(config, checkpoint(512, 512))
    with pytest.raises(ConfigError, match=r"leaves 112 steps after the run's 400, fewer than one rollout"):
        check_budget(config, checkpoint(400, 400))


def test_a_run_resumed_to_its_own_total_may_finish_on_part_of_a_rollout() -> None:
    # Stopped (Ctrl-C) at 400 of its 512 steps: the rollout the stop cut off is not in the checkpoint, and
    # the resume command printed at the stop must finish the run.
    config = load_config("cartpole-ppo", PPO)
    check_budget(config, checkpoint(400, 512))


def test_an_off_policy_run_ends_before_its_first_update() -> None:
    config = load_config("cartpole-dqn", ["train.total_steps=999", "agent.learning_starts=1000"])
    with pytest.raises(ConfigError, match=r"ends before the first update at env step 1000"):
        check_budget(config)
