"""``agent.name: sb3:<Algo>``: Stable-Baselines3 algorithms trained by rlkit's loop on rlkit's env stack."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from rlkit.config.loading import load_config
from rlkit.evaluate.checkpoint_eval import restore_agent
from rlkit.training.trainer import Trainer
from tests.cli.conftest import run_cli

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "train.torch_threads=1"]
TINY_SB3_PPO = ["agent.name=sb3:PPO", "train.total_steps=512", "log.interval=128", "eval.episodes=2", *QUIET]
TINY_SAC = {
    "env": {"id": "Pendulum-v1", "max_episode_steps": 50},
    "agent": {
        "name": "sb3:SAC",
        "hyperparameters": {
            "learning_rate": 1e-3,
            "buffer_size": 10_000,
            "learning_starts": 64,
            "batch_size": 32,
            "policy_kwargs": {"net_arch": [32, 32], "activation_fn": "relu"},
        },
    },
    "rollout": {"num_envs": 1},
    "train": {"total_steps": 200},
    "eval": {"episodes": 2},
    "log": {"interval": 100},
}

TINY_DQN = {
    "env": {"id": "CartPole-v1"},
    "agent": {
        "name": "sb3:DQN",
        "policy": "MlpPolicy",
        "hyperparameters": {"learning_starts": 50, "batch_size": 16, "target_update_interval": 50},
        "network": {"hidden_sizes": [32], "activation": "relu"},
    },
    "rollout": {"num_envs": 2},
    "train": {"total_steps": 300},
    "eval": {"episodes": 2},
}


def _trainer(tmp_path: Path, source: str, overrides: list[str]) -> Trainer:
    config = load_config(source, [*overrides, *QUIET])
    return Trainer(config, tmp_path / "run")


def _write_yaml(tmp_path: Path, raw: dict) -> str:
    path = tmp_path / f"{raw['agent']['name'][4:].lower()}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return str(path)


def test_rlkit_list_explains_the_sb3_namespace(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(["list", "agents"], capsys)
    assert status == 0
    assert any(line.split()[0] == "sb3:<Name>" and "sb3:PPO" in line for line in out.splitlines())


def test_preset_trains_with_sb3_ppo_then_eval_and_video(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    run_dir = tmp_path / "run"
    args = ["train", "cartpole-ppo", *TINY_SB3_PPO, "agent.batch_size=128", "--run-dir", str(run_dir)]
    status, out, err = run_cli(args, capsys)
    assert status == 0, err
    assert "sb3:PPO" in out
    assert {p.name for p in run_dir.iterdir()} >= {"config.yaml", "metrics.csv", "checkpoints", "eval.json"}
    assert (run_dir / "checkpoints" / "latest").read_text().strip() == "final.pt"
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    # the preset's PPO keys became SB3 hyperparameters; its schedules SB3 schedules
    assert config["agent"]["hyperparameters"]["n_steps"] == 32
    assert config["agent"]["schedules"] == {"clip_range": "linear"}
    with (run_dir / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["env_steps"]) for row in rows] == [128, 256, 384, 512]
    assert all(row["return_mean"] for row in rows)
    # 2 rollouts of 32 steps x 8 envs, 20 epochs each: SB3's losses are rlkit's metrics
    assert float(rows[-1]["train/n_updates"]) == 40 and rows[-1]["train/value_loss"]
    # SB3's n_updates counts epochs; an epoch is 2 minibatches of 128, 2 gradient steps. SB3 trains on a
    # rollout when it asks for the next actions (after the row at 256 steps), on the last before the run ends.
    assert [int(row["train/gradient_steps"]) for row in rows] == [0, 0, 40, 80]

    status, _, err = run_cli(
        ["eval", str(run_dir), "--episodes", "2", "--video", "env.max_episode_steps=15"], capsys
    )
    assert status == 0, err
    summary = json.loads((run_dir / "eval.json").read_text())
    assert summary["episodes"] == 2 and summary["env_steps"] == 512
    assert (run_dir / "videos" / "final.mp4").stat().st_size > 0


@pytest.mark.parametrize("algorithm", ["sb3:SAC", "sb3:DQN"])
def test_checkpoint_loads_without_pickle_and_rebuilds_the_same_policy(tmp_path: Path, algorithm: str) -> None:
    trainer = _trainer(tmp_path, _write_yaml(tmp_path, TINY_SAC if algorithm == "sb3:SAC" else TINY_DQN), [])
    outcome = trainer.run()
    assert outcome.env_steps >= 200 and not outcome.interrupted
    model = trainer.agent.model
    assert model.num_timesteps == outcome.env_steps  # SB3 learned from every step rlkit took

    payload = torch.load(outcome.checkpoint, weights_only=True)
    assert payload["agent"]["counters"]["num_timesteps"] == outcome.env_steps
    assert any(name.endswith("optimizer") for name in payload["agent"]["parameters"])
    # one gradient step per SB3 update of an off-policy algorithm, whichever optimizers it steps
    assert payload["agent"]["gradient_steps_done"] == model._n_updates > 0

    restored = restore_agent(trainer.run_dir).agent
    assert restored.model is not model
    assert restored.gradient_steps_done == model._n_updates
    observations = np.stack([model.observation_space.sample() for _ in range(16)])
    expected, _ = model.predict(observations, deterministic=True)
    actions = restored.make_policy(deterministic=True)(observations, np.ones(16, bool))
    np.testing.assert_allclose(actions, expected, rtol=1e-6, atol=1e-6)
    for name, tensor in model.policy.state_dict().items():
        torch.testing.assert_close(restored.model.policy.state_dict()[name], tensor)


def test_sb3_learns_from_rlkits_env_stack(tmp_path: Path) -> None:
    """A sensor model that clips every reading to [100, 101]: SB3 stored only such readings (the bounded
    channels, position and angle, are then held at their observation-space bounds)."""
    trainer = _trainer(
        tmp_path,
        "cartpole-ppo",
        [
            "agent.name=sb3:PPO",
            "train.total_steps=256",
            "rollout.num_envs=2",
            "agent.batch_size=64",
            "env.sensors.models=[{clip: [100, 101]}]",
        ],
    )
    trainer.run()
    stored = trainer.agent.model.rollout_buffer.observations
    assert stored.size and np.all(stored[..., [1, 3]] == 100.0)  # cart and pole velocities
    assert np.all(stored == stored.reshape(-1, 4)[0])


def test_training_leaves_no_folder_in_the_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SB3's default logger makes an empty ``SB3-<time>`` folder in the temp dir at every ``learn()``."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    _trainer(tmp_path, "cartpole-ppo", [*TINY_SB3_PPO, "rollout.num_envs=2", "agent.batch_size=64"]).run()
    assert [path.name for path in temp.glob("SB3-*")] == []


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("agent.hyperparameters.n_stepz=8", "agent.hyperparameters.n_stepz"),
        ("agent.batch_size=1", "Stable-Baselines3 rejected it"),  # SB3's own check, at construction
        ("agent.hyperparameters.seed=3", "train.seed"),
        ("agent.optimizer=sgd", "agent.optimizer"),
        ("agent.name=sb3:Nope", "unknown Stable-Baselines3 algorithm 'Nope'"),
    ],
)
def test_bad_agent_section_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], override: str, message: str
) -> None:
    run_dir = tmp_path / "run"
    status, _, err = run_cli(
        ["train", "cartpole-ppo", *TINY_SB3_PPO, override, "--run-dir", str(run_dir)], capsys
    )
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and message in err
    assert not run_dir.exists()


def test_a_value_sb3_rejects_only_while_training_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overrides = ["agent.name=sb3:SAC", "agent.batch_size=-3", "agent.learning_starts=10", *QUIET]
    run_dir = tmp_path / "run"
    status, _, err = run_cli(
        ["train", "pendulum-sac", *overrides, "train.total_steps=400", "--run-dir", str(run_dir)], capsys
    )
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert "stable-baselines3 stopped while training" in err and "agent.hyperparameters" in err


def test_finished_episodes_reach_sb3_with_their_final_observation() -> None:
    """SAME_STEP autoreset: SB3 gets the next episode's first observation as ``obs`` and the finished one's
    last as ``terminal_observation``; a time limit (not a terminal state) is marked for bootstrapping."""
    import gymnasium as gym

    from rlkit.agents.base import StepResult
    from rlkit.agents.sb3.bridge import LoopBridge

    bridge = LoopBridge(3, gym.spaces.Box(-1, 1, (2,)), gym.spaces.Discrete(2))
    final = np.arange(6, dtype=np.float32).reshape(3, 2)
    first = -np.ones((3, 2), np.float32)
    step = StepResult(np.ones(3), np.array([True, False, False]), np.array([False, True, False]), final)
    obs, rewards, dones, infos = bridge._sb3_step(step, first)
    assert obs is first and dones.tolist() == [True, True, False] and rewards.dtype == np.float32
    np.testing.assert_array_equal(infos[0]["terminal_observation"], final[0])
    np.testing.assert_array_equal(infos[1]["terminal_observation"], final[1])
    assert [info.get("TimeLimit.truncated") for info in infos] == [False, True, None]
