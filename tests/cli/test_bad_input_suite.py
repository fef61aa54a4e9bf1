"""Bad input and faults through the CLI: MJCF models, tasks, configs, user envs that emit NaN, checkpoints,
unwritable and full run directories.

Every case exits with status 2 and one line on stderr that names the input, with no traceback. What is
left on disk is decided per case and asserted:

* a failure before training starts (bad config, model, task, unwritable directory) leaves nothing: a run
  directory that did not exist is not created, or removed again;
* a failure during training (a user env's NaN, a full disk) leaves the run directory consistent: its
  ``config.yaml``, whole ``metrics.csv`` rows, only complete checkpoints (no temp files) and ``latest``
  pointing at one of them.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

from tests.cli.conftest import TINY_PPO, run_cli

ACTUATED = """<mujoco>
  <worldbody>
    <body name="pole"><joint name="hinge" type="hinge"/><geom size="0.1"/><site name="tip"/></body>
  </worldbody>
  <actuator><motor joint="hinge" ctrlrange="-1 1" ctrllimited="true"/></actuator>
  <sensor><jointpos name="angle" joint="hinge"/></sensor>
</mujoco>
"""
UNACTUATED = ACTUATED.replace(
    '<actuator><motor joint="hinge" ctrlrange="-1 1" ctrllimited="true"/></actuator>', ""
)
FAST = [*TINY_PPO, "log.tensorboard=false", "train.device=cpu", "train.torch_threads=1"]


class NonFiniteEnv(gym.Env):
    """A user env whose reward (or observation) turns NaN or infinite at its 5th step."""

    observation_space = gym.spaces.Box(-np.inf, np.inf, (3,), dtype=np.float32)
    action_space = gym.spaces.Discrete(2)

    def __init__(self, where: str = "reward", value: float = float("nan")) -> None:
        self.where, self.value, self.t = where, value, 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(3, dtype=np.float32), {}

    def step(self, action):
        self.t += 1
        obs = np.full(3, 0.1 * self.t, dtype=np.float32)
        reward = 1.0
        if self.t == 5:
            if self.where == "reward":
                reward = self.value
            else:
                obs[1] = self.value
        return obs, reward, False, self.t >= 20, {}


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def xml_config(tmp_path: Path, xml: str, task: str = "{}") -> list[str]:
    """Overrides that train PPO on a robot given as an XML file with ``task``."""
    model = write(tmp_path / "robot.xml", xml)
    return [
        "cartpole-ppo",
        f"env.id={model}",
        "env.max_episode_steps=20",
        f"env.task={task}",
        *FAST,
    ]


def check_one_line(status: int, err: str, *needles: str) -> None:
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


def leftovers(run_dir: Path) -> list[str]:
    """Half-written files: temp files of atomic writes."""
    return sorted(p.name for p in run_dir.rglob("*.tmp"))


# ------------------------------------------------------------------------------------ models and tasks

BAD_MODELS = {
    "malformed XML": ("<mujoco><worldbody><body>", [], ["MuJoCo cannot load", "robot.xml"]),
    "no actuators": (UNACTUATED, [], ["robot.xml", "no actuators", "<actuator>"]),
    "unknown body": (
        ACTUATED,
        ["env.task={reward: [{term: body_height, body: torso}]}"],
        ["env.task.reward[0].body", "no body named 'torso'", "pole"],
    ),
    "unknown site": (
        ACTUATED,
        ["env.task={reward: [{term: site_distance, site_a: tip, site_b: goal}]}"],
        ["env.task.reward[0].site_b", "no site named 'goal'", "tip"],
    ),
    "unknown joint": (
        ACTUATED,
        ["env.task={qpos: true, exclude_joints: [knee]}"],
        ["env.task.exclude_joints[0]", "no joint named 'knee'", "hinge"],
    ),
    "unknown task key": (ACTUATED, ["env.task={frame_skipp: 2}"], ["env.task.frame_skipp"]),
    "wrong task type": (ACTUATED, ["env.task={frame_skip: two}"], ["env.task.frame_skip"]),
}


@pytest.mark.parametrize("case", sorted(BAD_MODELS))
def test_bad_model_or_task(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml, overrides, needles = BAD_MODELS[case]
    run_dir = tmp_path / "run"
    status, _, err = run_cli(
        ["train", *xml_config(tmp_path, xml), *overrides, "--run-dir", str(run_dir)], capsys
    )
    check_one_line(status, err, *needles)
    assert not run_dir.exists()


def test_missing_model_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere" / "robot.xml"
    status, _, err = run_cli(
        ["train", "cartpole-ppo", f"env.id={missing}", *FAST, "--run-dir", str(tmp_path / "run")], capsys
    )
    check_one_line(status, err, f"model file '{missing}' does not exist")
    assert not (tmp_path / "run").exists()


# ----------------------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("override", "needles"),
    [
        ("agent.learning_rate=1e-3", ["config key 'agent.learning_rate' is unknown"]),
        ("rollout.num_envz=4", ["config key 'rollout.num_envz' is unknown"]),
        ("agent.lr=fast", ["config key 'agent.lr'"]),
        ("rollout.num_envs=[1, 2]", ["config key 'rollout.num_envs'"]),
        ("train.seed=-1.5", ["config key 'train.seed'"]),
        ("log.tensorboard=maybe", ["config key 'log.tensorboard'"]),
    ],
)
def test_bad_config_key_or_type(
    override: str, needles: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run_cli(["train", "cartpole-ppo", override, "--run-dir", str(tmp_path / "run")], capsys)
    check_one_line(status, err, *needles)
    assert not (tmp_path / "run").exists()


def test_bad_key_in_a_yaml_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path / "c.yaml", "env: {id: CartPole-v1}\nagent: {name: ppo, n_stepz: 3}\n")
    status, _, err = run_cli(["train", str(config), "--run-dir", str(tmp_path / "run")], capsys)
    check_one_line(status, err, "agent.n_stepz")
    assert not (tmp_path / "run").exists()


# ------------------------------------------------------------------------------ a user env's NaN / inf


@pytest.mark.parametrize(
    ("where", "value", "needles"),
    [
        ("reward", "nan", ["reward", "nan"]),
        ("reward", "inf", ["reward", "inf"]),
        ("observation", "nan", ["observation", "nan"]),
        ("observation", "-inf", ["observation", "-inf"]),
    ],
)
def test_non_finite_user_env_stops_the_run(
    where: str, value: str, needles: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_id = f"{__name__}:NonFiniteEnv"
    run_dir = tmp_path / "run"
    status, _, err = run_cli(
        [
            "train",
            "cartpole-ppo",
            f"env.id={env_id}",
            f"env.kwargs={{where: {where}, value: {value}}}",
            "rollout.num_envs=2",
            *FAST,
            "--run-dir",
            str(run_dir),
        ],
        capsys,
    )
    # the 5th step of each env: vector step 5, env steps 9-10 (counted from 1)
    check_one_line(status, err, f"'{env_id}'", "env step 10", "env 0", *needles)
    # stopped before any checkpoint; the run directory keeps its config and nothing half-written
    assert (run_dir / "config.yaml").is_file() and not (run_dir / "checkpoints").exists()
    assert leftovers(run_dir) == []


# ------------------------------------------------------------------------------------------ checkpoints


@pytest.fixture
def tiny_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A finished sub-second CartPole PPO run."""
    run_dir = tmp_path / "run"
    status, _, err = run_cli(["train", "cartpole-ppo", *FAST, "--run-dir", str(run_dir)], capsys)
    assert status == 0, err
    return run_dir


def snapshot(run_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in sorted(run_dir.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("damage", ["truncated", "foreign", "empty"])
def test_resume_from_a_damaged_checkpoint(
    damage: str, tiny_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tiny_run / "checkpoints" / "final.pt"
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "foreign":
        torch.save({"model": {"w": torch.zeros(2)}}, path)
    else:
        path.write_bytes(b"")
    before = snapshot(tiny_run)
    status, _, err = run_cli(["train", "--resume", str(tiny_run), "train.total_steps=1024"], capsys)
    check_one_line(status, err, f"checkpoint '{path}'", "not an rlkit checkpoint")
    assert snapshot(tiny_run) == before
    status, _, err = run_cli(["eval", str(path)], capsys)
    check_one_line(status, err, f"checkpoint '{path}'")


def test_latest_points_at_a_missing_checkpoint(tiny_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tiny_run / "checkpoints" / "final.pt").unlink()
    status, _, err = run_cli(["train", "--resume", str(tiny_run)], capsys)
    check_one_line(status, err, "final.pt' does not exist")


def test_checkpoint_from_another_env(tiny_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """CartPole weights (4 observations) resumed on Acrobot (6): spaces differ, the network does not fit."""
    before = snapshot(tiny_run)
    status, _, err = run_cli(
        ["train", "--resume", str(tiny_run), "env.id=Acrobot-v1", "train.total_steps=1024"], capsys
    )
    check_one_line(
        status,
        err,
        "(ppo on CartPole-v1) does not fit ppo on Acrobot-v1: tensor 'policy.actor_encoder.mlp.net.0.weight' "
        "has shape (64, 4) in the checkpoint and (64, 6) here",
    )
    assert snapshot(tiny_run) == before
    path = tiny_run / "checkpoints" / "final.pt"
    payload = torch.load(path, weights_only=True)
    payload["config"]["env"]["id"] = "Acrobot-v1"
    torch.save(payload, path)
    status, _, err = run_cli(["eval", str(path)], capsys)
    check_one_line(
        status, err, "does not fit ppo on Acrobot-v1: tensor 'policy.actor_encoder.mlp.net.0.weight'"
    )


# ---------------------------------------------------------------------- unwritable and full directories


@pytest.fixture
def failing_writes(monkeypatch: pytest.MonkeyPatch):
    """``fail(directory, errno, after=n)``: writes under ``directory`` raise OSError(errno) from the
    (n+1)-th on, as a read-only file system or a full disk would (in-process: tests may run as root, for
    whom permissions do not stop writes)."""

    def fail(directory: Path, code: int, after: int = 0) -> None:
        directory = Path(directory).absolute()
        count = {"writes": 0}

        def blocked(path: Any, writing: bool) -> bool:
            if not writing or isinstance(path, int):
                return False
            if not Path(os.fsdecode(path)).absolute().is_relative_to(directory):
                return False
            count["writes"] += 1
            return count["writes"] > after

        def error(path: Any) -> OSError:
            return OSError(code, os.strerror(code), os.fsdecode(path))

        real_open, real_os_open, real_mkdir = builtins.open, os.open, os.mkdir

        def guarded_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any):
            if blocked(file, any(c in mode for c in "wax+")):
                raise error(file)
            return real_open(file, mode, *args, **kwargs)

        def guarded_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if blocked(path, bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))):
                raise error(path)
            return real_os_open(path, flags, *args, **kwargs)

        def guarded_mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
            if blocked(path, True):
                raise error(path)
            real_mkdir(path, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", guarded_open)
        monkeypatch.setattr(io, "open", guarded_open)
        monkeypatch.setattr(os, "open", guarded_os_open)
        monkeypatch.setattr(os, "mkdir", guarded_mkdir)

    return fail


def test_read_only_parent_of_a_new_run_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], failing_writes
) -> None:
    parent = tmp_path / "readonly"
    parent.mkdir()
    failing_writes(parent, errno.EROFS)
    status, _, err = run_cli(["train", "cartpole-ppo", *FAST, "--run-dir", str(parent / "run")], capsys)
    check_one_line(status, err, f"cannot write the run directory '{parent / 'run'}'", "Read-only file system")
    assert list(parent.iterdir()) == []


def test_read_only_run_dir_on_resume(
    tiny_run: Path, capsys: pytest.CaptureFixture[str], failing_writes
) -> None:
    before = snapshot(tiny_run)
    failing_writes(tiny_run, errno.EACCES)
    status, _, err = run_cli(["train", "--resume", str(tiny_run), "train.total_steps=1024"], capsys)
    check_one_line(status, err, f"'{tiny_run}", "Permission denied")
    assert snapshot(tiny_run) == before


@pytest.mark.parametrize("after", [0, 1, 4, 8])
def test_disk_full_while_training(
    after: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], failing_writes
) -> None:
    """The disk fills up at the run directory's first, second, fifth or ninth write: creating it, its
    config, metrics rows, checkpoints."""
    run_dir = tmp_path / "run"
    failing_writes(tmp_path, errno.ENOSPC, after=after)
    status, _, err = run_cli(
        ["train", "cartpole-ppo", *FAST, "train.checkpoint_interval=128", "--run-dir", str(run_dir)], capsys
    )
    check_one_line(status, err, str(run_dir), "No space left on device")
    assert leftovers(tmp_path) == []
    if not (run_dir / "config.yaml").is_file():  # failed while creating the run: nothing left behind
        assert not run_dir.exists()
        return
    # failed while training: whole rows, and `latest` (if any) names a complete checkpoint
    lines = (run_dir / "metrics.csv").read_text().splitlines() if (run_dir / "metrics.csv").exists() else []
    assert all(line.count(",") == lines[0].count(",") for line in lines)
    latest = run_dir / "checkpoints" / "latest"
    if latest.exists():
        payload = torch.load(latest.parent / latest.read_text().strip(), weights_only=True)
        assert payload["format"] == "rlkit-checkpoint"
