"""Bad input of every kind: exit status 2, one line on stderr naming the problem, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.cli.conftest import TINY_PPO, run_cli, run_subprocess


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "no-such-preset"], "'no-such-preset' is neither a preset nor a YAML file"),
        (["train", "cartpole-ppo", "agent.lr_rate=1"], "config key 'agent.lr_rate' is unknown"),
        (["train", "cartpole-ppo", "train.total_steps=lots"], "config key 'train.total_steps'"),
        (["train", "cartpole-ppo", "env.id=NoSuchEnv-v0"], "unknown environment 'env.id=NoSuchEnv-v0'"),
        (["train", "cartpole-ppo", "env.id=nosuchmodule:Env"], "cannot import module 'nosuchmodule'"),
        (["train", "cartpole-ppo", "agent.name=nope"], "config key 'agent.name': unknown agent 'nope'"),
        (["train", "cartpole-dqn", "env.id=Pendulum-v1"], "agent 'dqn' needs a Discrete action space"),
        (["train", "cartpole-ppo", "train.device=cuda:7"], "CUDA is not available"),
        (
            ["train", "cartpole-ppo", "env.pixels={}"],
            "env.pixels needs a MuJoCo env, but environment 'CartPole-v1' is CartPoleEnv",
        ),
        (["train"], "give a preset name or YAML config"),
        (["train", "cartpole-ppo", "--bogus"], "unrecognized arguments: --bogus"),
        (["eval", "does/not/exist"], "'does/not/exist' does not exist"),
        (["eval", ".", "--episodes", "0"], "argument --episodes: must be at least 1"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        # runs that would train nothing
        (
            ["train", "cartpole-ppo", "train.total_steps=100"],
            "train.total_steps (100) is smaller than one rollout (rollout.num_envs 8 × agent.n_steps 32 "
            "= 256)",
        ),
        (
            ["train", "cartpole-ppo", "train.total_steps=4", "agent.n_steps=1"],
            "rollout.num_envs (8) is larger than train.total_steps (4)",
        ),
        (
            ["train", "cartpole-dqn", "train.total_steps=500"],
            "train.total_steps (500) ends before the first update at env step 1000",
        ),
        # the same through the Stable-Baselines3 bridge: the values SB3 will use, given or its defaults
        (
            ["train", "cartpole-ppo", "agent.name=sb3:PPO", "train.total_steps=100"],
            "train.total_steps (100) is smaller than one rollout (rollout.num_envs 8 × agent.n_steps 32 "
            "= 256)",
        ),
        (
            ["train", "pendulum-sac", "agent.name=sb3:SAC", "train.total_steps=500"],
            "train.total_steps (500) ends before the first update at env step 1000",
        ),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, _out, err = run_cli(args, capsys)
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "runs").exists()  # nothing half-written


def test_sb3_defaults_count_for_a_run_that_would_train_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    # No n_steps given: SB3's A2C collects 5 steps per env (its default) before its first update.
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "a2c.yaml"
    config.write_text('agent: {name: "sb3:A2C"}\nrollout: {num_envs: 8}\ntrain: {total_steps: 20}\n')
    status, _, err = run_cli(["train", str(config)], capsys)
    assert status == 2, err
    assert (
        "train.total_steps (20) is smaller than one rollout (rollout.num_envs 8 × agent.n_steps 5 = 40)"
        in err
    )
    assert not (tmp_path / "runs").exists()


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    result = run_subprocess(["train", "cartpole-ppo", "env.id=NoSuchEnv-v0", "--run-dir", "r"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "r").exists()


def test_corrupt_foreign_and_pickled_checkpoints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(b"PK\x03\x04 not really a checkpoint")
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {"w": torch.zeros(1)}}, foreign)
    pickled = tmp_path / "pickled.pt"
    torch.save({"format": "rlkit-checkpoint", "payload": Path("x")}, pickled)  # needs pickle to load
    for path, message in [
        (truncated, "is corrupt or not an rlkit checkpoint: the file is truncated or damaged"),
        (foreign, "is not an rlkit checkpoint"),
        (
            pickled,
            "is corrupt or not an rlkit checkpoint: it holds Python objects that only pickle could load",
        ),
    ]:
        status, _, err = run_cli(["eval", str(path)], capsys)
        assert status == 2 and message in err and len(err.strip().splitlines()) == 1, err


@pytest.fixture
def tiny_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A finished sub-second PPO run's directory."""
    run_dir = tmp_path / "run"
    status, _, err = run_cli(
        ["train", "cartpole-ppo", *TINY_PPO, "log.tensorboard=false", "--run-dir", str(run_dir)], capsys
    )
    assert status == 0, err
    return run_dir


def test_existing_run_dir_and_missing_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tiny_run: Path
) -> None:
    run_dir = tiny_run
    before = sorted(p.name for p in run_dir.rglob("*"))
    status, _, err = run_cli(["train", "cartpole-ppo", *TINY_PPO, "--run-dir", str(run_dir)], capsys)
    assert status == 2 and "already holds a run" in err
    assert sorted(p.name for p in run_dir.rglob("*")) == before
    status, _, err = run_cli(["train", "--resume", str(tmp_path / "nope")], capsys)
    assert status == 2 and "no such run directory" in err
    status, _, err = run_cli(["eval", str(tmp_path)], capsys)
    assert status == 2 and "has no checkpoints" in err


@pytest.mark.parametrize(
    ("total", "message"),
    [
        # the run stopped at 512 steps: a total it has passed used to exit 0 having trained nothing
        ("300", "train.total_steps (300) is not more than the 512 steps the run has trained"),
        # 88 steps more, under one rollout of 8 envs × 32 steps: collected, never learned from
        (
            "600",
            "train.total_steps (600) leaves 88 steps after the run's 512, fewer than one rollout "
            "(rollout.num_envs 8 × agent.n_steps 32 = 256): no update would run; raise train.total_steps to "
            "at least 768",
        ),
    ],
)
def test_resume_that_would_train_nothing_changes_nothing(
    total: str, message: str, capsys: pytest.CaptureFixture[str], tiny_run: Path
) -> None:
    before = {p: p.read_bytes() for p in tiny_run.rglob("*") if p.is_file()}
    status, _, err = run_cli(["train", "--resume", str(tiny_run), f"train.total_steps={total}"], capsys)
    assert status == 2, err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert {p: p.read_bytes() for p in tiny_run.rglob("*") if p.is_file()} == before


def test_checkpoint_from_another_network_is_rejected(
    capsys: pytest.CaptureFixture[str], tiny_run: Path
) -> None:
    run_dir = tiny_run
    path = run_dir / "checkpoints" / "final.pt"
    payload = torch.load(path, weights_only=True)
    payload["config"]["agent"]["network"]["hidden_sizes"] = [8]
    torch.save(payload, path)
    status, _, err = run_cli(["eval", str(path)], capsys)
    assert status == 2, err
    assert (
        f"checkpoint '{path}' (ppo on CartPole-v1) does not fit ppo on CartPole-v1: tensor "
        "'policy.actor_encoder.mlp.net.0.weight' has shape (64, 4) in the checkpoint and (8, 4) here"
    ) in err
    assert len(err.strip().splitlines()) == 1


def test_sb3_checkpoint_from_another_network_is_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # SB3's own loader reported this as a traceback ending in torch's size-mismatch list.
    run = tmp_path / "sb3"
    status, _, err = run_cli(
        ["train", "cartpole-ppo", "agent.name=sb3:PPO", *TINY_PPO, "--run-dir", str(run)], capsys
    )
    assert status == 0, err
    path = run / "checkpoints" / "final.pt"
    payload = torch.load(path, weights_only=True)
    payload["config"]["agent"]["network"]["hidden_sizes"] = [8]
    torch.save(payload, path)
    status, _, err = run_cli(["eval", str(path)], capsys)
    assert status == 2, err
    assert (
        f"checkpoint '{path}' (sb3:PPO on CartPole-v1) does not fit sb3:PPO on CartPole-v1: tensor "
        "'policy.mlp_extractor.policy_net.0.weight' has shape (64, 4) in the checkpoint and (8, 4) here"
    ) in err
    assert len(err.strip().splitlines()) == 1


def test_eval_on_another_env_is_one_sentence(capsys: pytest.CaptureFixture[str], tiny_run: Path) -> None:
    status, _, err = run_cli(["eval", str(tiny_run), "env.id=Pendulum-v1"], capsys)
    assert status == 2, err
    assert (
        f"checkpoint '{tiny_run / 'checkpoints' / 'final.pt'}' was trained on CartPole-v1 (observations "
        "Box(4,), actions Discrete(2)) and cannot act on env.id=Pendulum-v1 (observations Box(3,), actions "
        "Box(1,)): rlkit eval takes an env.id with the trained observations and actions, or none to evaluate "
        "on CartPole-v1"
    ) in err
    assert len(err.strip().splitlines()) == 1
    assert not (tiny_run / "eval.json").exists() or "Pendulum" not in (tiny_run / "eval.json").read_text()


def test_eval_of_a_robot_run_on_another_env_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A run on an MJCF robot carries env.task, which a Gymnasium env does not take: this printed the
    # whole TaskConfig (about 600 characters) from Gymnasium's error text.
    run = tmp_path / "arm"
    arm = Path(__file__).resolve().parents[2] / "examples" / "custom_robot" / "arm.yaml"
    tiny = [
        *TINY_PPO,
        "train.total_steps=64",
        "rollout.num_envs=1",
        "agent.n_steps=64",
        "agent.batch_size=64",
    ]
    status, _, err = run_cli(
        ["train", str(arm), *tiny, "env.max_episode_steps=20", "--run-dir", str(run)], capsys
    )
    assert status == 0, err
    status, _, err = run_cli(["eval", str(run), "env.id=CartPole-v1"], capsys)
    assert status == 2, err
    assert (
        f"checkpoint '{run / 'checkpoints' / 'final.pt'}' was trained on arm.xml (observations Box(9,), "
        "actions Box(3,)) and cannot act on env.id=CartPole-v1, which does not take the run's env.task: "
        "rlkit eval takes an env.id with the trained observations and actions, or none to evaluate on arm.xml"
    ) in err
    assert len(err.strip().splitlines()) == 1 and "TaskConfig" not in err


def test_list_and_module_entry_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(["list"], capsys)
    assert status == 0
    assert "cartpole-ppo" in out and "ppo " in out and "CartPole-v1" in out
    assert "_raise" not in out  # removed mujoco-py ids are not listed
    result = run_subprocess(["list", "agents"], cwd=tmp_path)
    assert result.returncode == 0 and "dqn" in result.stdout


def test_resume_from_another_runs_checkpoint_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tiny_run: Path
) -> None:
    other = tmp_path / "other"
    status, _, err = run_cli(
        [
            "train",
            "pendulum-ppo",
            "train.total_steps=256",
            "agent.n_steps=64",
            "eval.episodes=1",
            "log.tensorboard=false",
            "log.progress=false",
            "--run-dir",
            str(other),
        ],
        capsys,
    )
    assert status == 0, err
    checkpoints = tiny_run / "checkpoints"
    final = checkpoints / (checkpoints / "latest").read_text().strip()
    final.write_bytes((other / "checkpoints" / "final.pt").read_bytes())  # a replaced final.pt
    before = {p: p.read_bytes() for p in tiny_run.rglob("*") if p.is_file()}
    status, _, err = run_cli(["train", "--resume", str(tiny_run), "train.total_steps=100000"], capsys)
    assert status == 2, err
    assert "env.id='Pendulum-v1', but the run's config.yaml has env.id='CartPole-v1'" in err
    assert len(err.strip().splitlines()) == 1
    assert {p: p.read_bytes() for p in tiny_run.rglob("*") if p.is_file()} == before
