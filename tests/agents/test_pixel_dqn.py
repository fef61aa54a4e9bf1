"""DQN learns from stacked pixel frames kept once each in its replay buffer, with every Rainbow option."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch

from rlkit.agents.dqn import DQN
from rlkit.buffers.frame_replay_buffer import FrameReplayBuffer
from rlkit.buffers.prioritized_frame_replay_buffer import PrioritizedFrameReplayBuffer
from rlkit.buffers.replay_buffer import ReplayBuffer
from rlkit.config.loading import load_config
from rlkit.training.trainer import Trainer
from tests.agents.toy_envs import StackedCuePixels

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "train.target_return=null"]
PIXELS = [
    "env.id=tests.agents.toy_envs:StackedCuePixels",
    "train.total_steps=2000",
    "agent.lr=1e-3",
    "agent.batch_size=32",
    "agent.learning_starts=200",
    "agent.train_freq=4",
    "agent.gradient_steps=1",
    "agent.target_update_interval=100",
    "agent.exploration_fraction=0.5",
    "eval.episodes=30",
]


def train(tmp_path: Path, overrides: list[str]) -> tuple[Trainer, dict]:
    config = load_config("cartpole-dqn", [*QUIET, *PIXELS, *overrides])
    trainer = Trainer(config, tmp_path)
    trainer.run()
    return trainer, trainer.evaluate()


def test_dqn_learns_a_cue_it_only_sees_in_older_stacked_frames(tmp_path: Path) -> None:
    trainer, summary = train(tmp_path, [])
    buffer = trainer.agent.buffer
    assert type(buffer) is FrameReplayBuffer and buffer.frames_per_obs == 4  # chosen automatically
    # Every frame differs (a noise row): 2-step episodes need 1.5 frames per transition, not 2 x 4.
    assert buffer.frames_in_use() <= 1.5 * len(buffer) + 8
    assert summary["mean_return"] >= 0.9  # a random policy (or one seeing the last frame only) scores 1/3


def test_rainbow_with_n_step_and_prioritized_frame_replay_learns_and_resumes(tmp_path: Path) -> None:
    trainer, summary = train(
        tmp_path,
        [
            "env.kwargs.wait=3",  # the cue is 3 frames old at the decision: the oldest frame of the stack
            "rollout.num_envs=2",
            "agent.gamma=0.9",
            "agent.n_step=3",
            "agent.prioritized_replay=true",
            "agent.dueling=true",
            "agent.distributional=true",
            "agent.num_atoms=11",
            "agent.v_min=-1",
            "agent.v_max=2",
            "agent.noisy_nets=true",
        ],
    )
    agent = trainer.agent
    assert isinstance(agent.buffer, PrioritizedFrameReplayBuffer)
    assert summary["mean_return"] >= 0.9

    saved = io.BytesIO()
    torch.save(agent.state_dict(), saved)
    saved.seek(0)
    clone = DQN(
        agent.config, agent.observation_space, agent.action_space, 2, agent.total_steps, agent.device, seed=99
    )
    clone.load_state_dict(torch.load(saved, weights_only=True))
    obs = np.stack([StackedCuePixels(wait=3).reset(seed=seed)[0] for seed in range(4)])
    np.testing.assert_array_equal(clone.act(obs), agent.act(obs))
    assert agent.update(0.5) == clone.update(0.5)  # the same replayed batches, bit for bit


@pytest.mark.parametrize(("setting", "expected"), [("false", ReplayBuffer), ("true", FrameReplayBuffer)])
def test_frame_replay_switch(setting: str, expected: type, tmp_path: Path) -> None:
    config = load_config(
        "cartpole-dqn",
        [*QUIET, *PIXELS, "train.total_steps=10", "agent.learning_starts=0", f"agent.frame_replay={setting}"],
    )
    assert type(Trainer(config, tmp_path).agent.buffer) is expected
