"""``rlkit export``: every agent family exports to ONNX and TorchScript with parity, normalization and action
mapping inside the graph, explicit recurrent state, and one-line errors that write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents.ppo import PPO
from rlkit.config.loading import load_config
from rlkit.export.onnx_export import OnnxRunner, export_onnx, read_onnx_metadata
from rlkit.export.policy_export import export_policy
from rlkit.export.torchscript_export import TorchScriptRunner, export_torchscript, read_torchscript_metadata
from rlkit.nn.deploy import DeployablePolicy
from rlkit.runs.build import build_agent
from rlkit.training.trainer import Trainer
from tests.cli.conftest import run_cli

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "train.torch_threads=1"]
PARITY_STEPS = 96

#: One tiny run per family (and the variants that change the exported graph).
RUNS = {
    "ppo-normalized": (
        "cartpole-ppo",
        ["train.total_steps=128", "agent.n_steps=16", "agent.normalize_observations=true"],
    ),
    "ppo-continuous": ("pendulum-ppo", ["train.total_steps=64", "agent.n_steps=16", "rollout.num_envs=2"]),
    "a2c": ("cartpole-a2c", ["train.total_steps=64", "rollout.num_envs=2"]),
    "recurrent_ppo": (
        "cartpole-recurrent-ppo",
        ["train.total_steps=128", "agent.n_steps=16", "agent.sequence_length=8"],
    ),
    "rainbow": (
        "cartpole-rainbow",
        ["train.total_steps=160", "agent.learning_starts=64", "agent.batch_size=16"],
    ),
    "r2d2": ("cartpole-r2d2", ["train.total_steps=192", "agent.learning_starts=96", "agent.batch_size=4"]),
    "sac": ("pendulum-sac", ["train.total_steps=96", "agent.learning_starts=64", "agent.batch_size=16"]),
    "td3": ("pendulum-td3", ["train.total_steps=96", "agent.learning_starts=64", "agent.batch_size=16"]),
}


def train_tiny(tmp_path: Path, preset: str, overrides: list[str]) -> tuple[Path, Trainer]:
    config = load_config(preset, [*QUIET, *overrides])
    run_dir = tmp_path / preset
    trainer = Trainer(config, run_dir)
    trainer.run()
    return run_dir, trainer


@pytest.mark.parametrize("name", list(RUNS))
def test_each_family_exports_to_both_formats_with_parity(tmp_path: Path, name: str) -> None:
    preset, overrides = RUNS[name]
    run_dir, _ = train_tiny(tmp_path, preset, overrides)
    for fmt, read_metadata in (("onnx", read_onnx_metadata), ("torchscript", read_torchscript_metadata)):
        result = export_policy(run_dir, fmt, parity_steps=PARITY_STEPS)
        assert result.parity.passed and result.parity.steps == PARITY_STEPS
        assert result.parity.episodes >= 1
        if result.spec.action["type"] == "discrete":
            assert result.parity.max_abs_diff == 0 and result.parity.tolerance == 0
        else:
            assert result.parity.max_abs_diff <= 1e-5 * 2.0
        assert result.path == run_dir / "export" / ("policy.onnx" if fmt == "onnx" else "policy.pt")
        sidecar = json.loads(result.sidecar.read_text())
        assert sidecar["parity"]["passed"] and sidecar["inputs"]["obs"]["dtype"] == "float32"
        embedded = read_metadata(str(result.path))
        assert embedded["inputs"] == sidecar["inputs"] and embedded["outputs"] == sidecar["outputs"]
        if name in ("recurrent_ppo", "r2d2"):
            assert sidecar["recurrent"] and "episode_start" in sidecar["reset_rule"]
            assert sidecar["inputs"]["h"]["shape"] == [1, "batch", 64]
    assert not [p for p in (run_dir / "export").iterdir() if p.name.startswith(".")]  # no temp files left


def test_pixel_dqn_takes_uint8_images(tmp_path: Path) -> None:
    overrides = [
        "train.total_steps=16",
        "rollout.num_envs=2",
        "agent.learning_starts=8",
        "agent.train_freq=8",
        "agent.batch_size=8",
        "agent.buffer_size=64",
        "agent.network.hidden_sizes=[16]",
        "env.pixels.width=36",
        "env.pixels.height=36",
        "agent.dueling=true",
    ]
    run_dir, _ = train_tiny(tmp_path, "cartpole-balance-pixels-dqn", overrides)
    result = export_policy(run_dir, "onnx", parity_steps=48)
    assert result.parity.passed and result.parity.mismatches == 0
    assert result.metadata["inputs"]["obs"] == {
        "shape": ["batch", 9, 36, 36],
        "dtype": "uint8",
        "note": "the env's observation as it returns it",
    }


def test_privileged_observation_exports_the_policy_part_only(tmp_path: Path) -> None:
    overrides = [
        "train.total_steps=32",
        "agent.n_steps=8",
        "rollout.num_envs=2",
        "agent.batch_size=16",
        "env.randomization.observe_parameters=false",
        "env.randomization.privileged_observation=true",
    ]
    run_dir, trainer = train_tiny(tmp_path, "cartpole-balance-teacher", overrides)
    policy_width = trainer.agent.policy.actor_dim
    result = export_policy(run_dir, "torchscript", parity_steps=48)
    assert result.parity.passed
    assert result.metadata["inputs"]["obs"]["shape"] == ["batch", policy_width]
    assert "policy" in result.metadata["inputs"]["obs"]["note"]


def test_normalization_is_inside_the_graph() -> None:
    """Hand-check: with non-trivial statistics the exported action is clip(mean(normalized obs))."""
    config = load_config("pendulum-ppo", [*QUIET, "agent.normalize_observations=true"])
    obs_space = gym.spaces.Box(-8.0, 8.0, (3,), np.float32)
    action_space = gym.spaces.Box(-2.0, 2.0, (1,), np.float32)
    torch.manual_seed(0)
    agent = build_agent(config, obs_space, action_space, torch.device("cpu"))
    stats = agent.policy.obs_normalizer.stats
    stats.mean.copy_(torch.tensor([0.5, -0.3, 4.0], dtype=torch.float64))
    stats.var.copy_(torch.tensor([0.04, 9.0, 0.25], dtype=torch.float64))
    with torch.no_grad():  # a large output layer so that clipping to [-2, 2] happens for some inputs
        agent.policy.policy_head.linear.weight.mul_(300.0)
    obs = np.random.default_rng(0).uniform(-8, 8, (64, 3)).astype(np.float32)

    normalized = np.clip((obs - [0.5, -0.3, 4.0]) / np.sqrt([0.04, 9.0, 0.25]), -10.0, 10.0)
    with torch.no_grad():
        features = agent.policy.actor_encoder(torch.as_tensor(normalized, dtype=torch.float32))
        expected = np.clip(agent.policy.policy_head.linear(features).numpy(), -2.0, 2.0)
        unnormalized = agent.policy.policy_head.linear(
            agent.policy.actor_encoder(torch.as_tensor(obs))
        ).numpy()
    assert np.abs(expected - np.clip(unnormalized, -2, 2)).max() > 0.1  # the statistics matter here
    assert (np.abs(expected) == 2.0).any() and (np.abs(expected) < 2.0).any()  # clipping matters too

    deployable = agent.deployable_policy()
    onnx_actions = OnnxRunner(export_onnx(deployable, {}))(obs)[0]
    script_actions = TorchScriptRunner(export_torchscript(deployable, {}))(obs)[0]
    np.testing.assert_allclose(onnx_actions, expected, atol=1e-5)
    np.testing.assert_allclose(script_actions, expected, atol=1e-5)
    np.testing.assert_allclose(onnx_actions, agent.act(obs), atol=1e-5)


@pytest.mark.parametrize("preset", ["cartpole-recurrent-ppo", "cartpole-r2d2"])
def test_recurrent_state_is_carried_and_reset_at_episode_start(preset: str) -> None:
    config = load_config(preset, [*QUIET, "rollout.num_envs=2"])
    obs_space = gym.spaces.Box(-np.inf, np.inf, (2,), np.float32)
    torch.manual_seed(1)
    agent = build_agent(config, obs_space, gym.spaces.Discrete(2), torch.device("cpu"))
    deployable = agent.deployable_policy()
    runners = {
        "onnx": OnnxRunner(export_onnx(deployable, {})),
        "torchscript": TorchScriptRunner(export_torchscript(deployable, {})),
    }
    rng = np.random.default_rng(2)
    steps = 40
    obs = rng.normal(0, 2, (steps, 2, 2)).astype(np.float32)
    starts = np.zeros((steps, 2), dtype=bool)
    starts[0] = True
    starts[13, 0] = starts[27, 1] = starts[31, 0] = True  # staggered episode ends in the two envs
    policy = agent.make_policy(deterministic=True)
    expected = np.stack([policy(obs[t], starts[t]) for t in range(steps)])
    for fmt, runner in runners.items():
        states = [np.full((s.num_layers, 2, s.hidden_size), 5.0, np.float32) for s in deployable.spec.states]
        actions = []
        for t in range(steps):  # garbage initial state: the start flag must wipe it
            action, *states = runner(obs[t], *states, starts[t].astype(np.float32))
            actions.append(action)
        np.testing.assert_array_equal(np.stack(actions), expected, err_msg=fmt)
        zero = [np.zeros_like(s) for s in states]
        first, *after = runner(obs[0], *states, np.ones(2, np.float32))
        np.testing.assert_array_equal(first, runner(obs[0], *zero, np.ones(2, np.float32))[0])
        carried = runner(obs[0], *after, np.zeros(2, np.float32))[1]
        reset = runner(obs[0], *after, np.ones(2, np.float32))[1]
        assert np.abs(carried - reset).max() > 1e-4  # the state carried across steps changes the memory


def test_parity_failure_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir, _ = train_tiny(tmp_path, *RUNS["ppo-continuous"])
    build = PPO.deployable_policy

    def broken(agent: PPO) -> DeployablePolicy:  # an export whose action mapping is off by a little
        deployable = build(agent)
        deployable.module.mapping.high.sub_(1.9)
        return deployable

    monkeypatch.setattr(PPO, "deployable_policy", broken)
    status, out, err = run_cli(["export", str(run_dir), "--parity-steps", "32"], capsys)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "parity" in err and "FAILED" in err
    assert not (run_dir / "export").exists()


def test_cli_exports_and_prints_the_parity_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir, _ = train_tiny(tmp_path, *RUNS["r2d2"])
    status, out, err = run_cli(
        ["export", str(run_dir), "--format", "torchscript", "--parity-steps", "32"], capsys
    )
    assert status == 0, err
    assert "parity (torch.jit vs PyTorch, 32 steps" in out and "0 mismatches" in out
    assert "h float32[1, batch, 64]" in out and "episode_start" in out
    assert (run_dir / "export" / "policy.pt").is_file() and (run_dir / "export" / "policy.pt.json").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "tflite"], "invalid choice: 'tflite'"),
        (["--parity-steps", "0"], "must be at least 1"),
    ],
)
def test_cli_bad_format_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    status, out, err = run_cli(["export", str(run_dir), *args], capsys)
    assert status == 2 and out == "" and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert list(run_dir.iterdir()) == []


@pytest.mark.parametrize("what", ["missing", "empty", "corrupt"])
def test_cli_missing_or_bad_run_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str
) -> None:
    target = tmp_path / "run"
    if what != "missing":
        target.mkdir()
    if what == "corrupt":
        (target / "checkpoints").mkdir()
        (target / "checkpoints" / "latest").write_text("final.pt\n")
        (target / "checkpoints" / "final.pt").write_bytes(b"not a checkpoint")
    status, out, err = run_cli(["export", str(target)], capsys)
    assert status == 2 and out == ""
    assert err.startswith("rlkit export: error: ") and len(err.strip().splitlines()) == 1
    assert not (target / "export").exists()


def test_the_sidecar_says_how_a_robot_wires_the_policy(tmp_path: Path) -> None:
    overrides = [
        "train.total_steps=64",
        "agent.n_steps=16",
        "rollout.num_envs=2",
        "env.sensors.observed=[0, 2]",
        "env.actuators.repeat=2",
    ]
    run_dir, _ = train_tiny(tmp_path, "cartpole-swingup-ppo", overrides)
    sidecar = json.loads(export_policy(run_dir, "onnx", parity_steps=8).sidecar.read_text())
    names = sidecar["observation"]["channels"]
    assert len(names) == 2 and all(isinstance(name, str) and not name.startswith("obs[") for name in names)
    action = sidecar["action"]
    assert action["kind"] == "continuous" and len(action["channels"]) == 1
    assert set(action["channels"][0]) == {"name", "low", "high"} and action["channels"][0]["low"] < 0
    assert not action["channels"][0]["name"].startswith("action[")  # the MuJoCo actuator's own name
    # one policy step holds its action for two simulator steps of the task
    assert sidecar["control_period_s"] == pytest.approx(2 * gym.make("rlkit/CartPoleSwingup-v0").unwrapped.dt)


def test_the_sidecar_names_the_parameters_a_teacher_observes(tmp_path: Path) -> None:
    overrides = ["train.total_steps=64", "agent.n_steps=16", "rollout.num_envs=2"]
    run_dir, _ = train_tiny(tmp_path, "cartpole-balance-teacher", overrides)
    sidecar = json.loads(export_policy(run_dir, "onnx", parity_steps=8).sidecar.read_text())
    task_channels = gym.make("rlkit/CartPoleBalance-v0").unwrapped.observation_names
    names = sidecar["observation"]["channels"]
    assert names[: len(task_channels)] == task_channels
    assert names[len(task_channels) :] == ["body_mass/pole", "actuator_gain/push"]


def test_the_sidecar_describes_an_image_observation(tmp_path: Path) -> None:
    overrides = ["train.total_steps=64", "agent.n_steps=16", "rollout.num_envs=2", "env.pixels.width=16"]
    overrides += ["env.pixels.height=16", "agent.network.cnn=impala"]
    run_dir, _ = train_tiny(tmp_path, "cartpole-balance-pixels-ppo", overrides)
    observation = json.loads(export_policy(run_dir, "onnx", parity_steps=8).sidecar.read_text())[
        "observation"
    ]
    assert observation["shape"] == [9, 16, 16] and observation["dtype"] == "uint8"
    assert observation["channels"] is None
    image = observation["image"]
    assert (image["layout"], image["cameras"], image["frames"], image["channels_per_frame"]) == (
        "CHW",
        ["close"],
        3,
        3,
    )


def test_the_sidecar_lists_discrete_commands(tmp_path: Path) -> None:
    overrides = ["train.total_steps=64", "agent.n_steps=16", "rollout.num_envs=2", "env.discrete_actions=3"]
    run_dir, _ = train_tiny(tmp_path, "cartpole-swingup-ppo", overrides)
    sidecar = json.loads(export_policy(run_dir, "onnx", parity_steps=8).sidecar.read_text())
    assert sidecar["action"]["kind"] == "discrete" and sidecar["action"]["count"] == 3
    assert len(sidecar["action"]["commands"]) == 3 and len(sidecar["action"]["actuators"]) == 1


def test_the_sidecar_gives_a_legged_robot_its_default_pose_action_scale_and_pd_gains(tmp_path: Path) -> None:
    overrides = ["train.total_steps=64", "agent.n_steps=16", "rollout.num_envs=2", "rollout.backend=sync"]
    overrides += ["agent.batch_size=32", "agent.network.hidden_sizes=[8]", "eval.episodes=1"]
    overrides += ["env.max_episode_steps=20"]
    run_dir, _ = train_tiny(tmp_path, "quadruped-joystick-ppo", overrides)
    sidecar = json.loads(export_policy(run_dir, "onnx", parity_steps=8).sidecar.read_text())
    targets = sidecar["joint_targets"]
    assert targets["scale"] == 0.25
    assert targets["formula"].startswith("target = default + scale * action")
    home = gym.make("rlkit/Quadruped-v0").unwrapped.model.key("home").qpos[7:]
    actuators = targets["actuators"]
    assert [a["name"] for a in actuators] == [c["name"] for c in sidecar["action"]["channels"]]
    assert [a["default"] for a in actuators] == pytest.approx(home.tolist())
    assert {(a["kp"], a["kd"]) for a in actuators} == {(35.0, 0.5)}
    assert actuators[2]["joint"] == "FR_calf_joint" and actuators[2]["torque_limit"] == [-35.55, 35.55]
    assert sidecar["control_period_s"] == pytest.approx(0.02)
    assert "commands[forward]" in sidecar["observation"]["channels"]
