"""``rlkit eval RUN --record FILE``: a trained policy's episodes as a robot's log, on eval's seeds, each row's
controls the ones the deterministic policy sent for that row's measurement; bad input as one line, exit
status 2, nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rlkit.cli.main import main
from rlkit.envs import make_env
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET
from rlkit.evaluate.restore import restore_agent
from rlkit.sysid.trajectory_log import load_log
from tests.cli.conftest import TINY_PPO, run_cli

TINY = [*TINY_PPO, "log.tensorboard=false", "train.torch_threads=1", "rollout.num_envs=2", "agent.n_steps=32"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny Reacher run (a MuJoCo task) and a tiny CartPole-v1 run (not one)."""
    root = tmp_path_factory.mktemp("runs")
    made = {}
    for name, preset in (("reacher", "reacher-ppo"), ("cartpole", "cartpole-ppo")):
        status = main(["train", preset, *TINY, "train.total_steps=64", "--run-dir", str(root / name)])
        assert status == 0
        made[name] = root / name
    return made


def test_record_writes_the_policys_episodes_on_evals_seeds(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run, output = runs["reacher"], tmp_path / "policy.npz"
    summary = (run / "eval.json").read_text()
    status, out, err = run_cli(["eval", str(run), "--record", str(output), "--episodes", "2"], capsys)
    assert status == 0, err
    seed = EVAL_SEED_OFFSET  # the run's training seed (0) plus eval's offset
    assert out.splitlines() == [
        f"{run / 'checkpoints' / 'final.pt'}: recorded 2 episodes from seed {seed} (202 rows of 9 channels "
        "and 2 controls)",
        f"wrote {output}",
    ]
    assert (run / "eval.json").read_text() == summary  # recording is not an evaluation: eval.json untouched
    log = load_log(output)
    restored = restore_agent(run)
    env = make_env(restored.config.env)
    for episode, rows in enumerate(log.episode_slices()):
        first, _ = env.reset(seed=seed + episode)
        np.testing.assert_array_equal(log.channels[rows.start], first)
    # row t's controls are what the deterministic policy sent for row t's measurement (no sensor or actuator
    # models here, and direct control): the rows pair each measurement with the control that followed it
    policy = restored.agent.make_policy(deterministic=True)
    rows = log.episode_slices()[0]
    starts = np.zeros(1, dtype=bool)
    actions = np.array([policy(log.channels[t][None].astype(np.float32), starts)[0] for t in range(100)])
    np.testing.assert_allclose(log.controls[rows][:100], actions, rtol=0, atol=1e-6)


def test_record_takes_env_overrides_and_a_seed(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "late.csv"
    args = ["eval", str(runs["reacher"]), "env.actuators.latency={min: 3, max: 3}", "--record", str(output)]
    status, out, err = run_cli([*args, "--episodes", "1", "--seed", "5"], capsys)
    assert status == 0, err
    assert "recorded 1 episodes from seed 5 (101 rows" in out
    log = load_log(output)
    np.testing.assert_array_equal(log.controls[:3], 0.0)  # the neutral action until the first one arrives
    assert np.abs(log.controls[3:]).max() > 0


BAD_INPUT = {
    "suffix": (["--record", "{out}/log.txt"], "the suffix must be .npz or .csv, got '.txt'"),
    "with --video": (["--record", "{out}/log.npz", "--video"], "leave out --video"),
    "with --sweep": (["--record", "{out}/log.npz", "--sweep", "mass"], "leave out --sweep"),
    "with --output": (["--record", "{out}/log.npz", "--output", "{out}/e.json"], "leave out --output"),
    "two runs": (["other_run", "--record", "{out}/log.npz"], "'other_run' is not KEY=VALUE"),
    "train override": (["train.seed=3", "--record", "{out}/log.npz"], "takes env.\\* and eval.\\* overrides"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    args, message = BAD_INPUT[case]
    summary = (runs["reacher"] / "eval.json").read_text()
    args = [arg.replace("{out}", str(tmp_path)) for arg in args]
    status, out, err = run_cli(["eval", str(runs["reacher"]), *args], capsys)
    _assert_refused(status, out, err, message, tmp_path)
    assert (runs["reacher"] / "eval.json").read_text() == summary


def test_a_run_on_an_env_that_is_not_a_mujoco_task_is_refused(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(["eval", str(runs["cartpole"]), "--record", str(tmp_path / "l.npz")], capsys)
    _assert_refused(status, out, err, "'CartPole-v1' is CartPoleEnv, not an rlkit MuJoCo task", tmp_path)
    status, out, err = run_cli(
        ["eval", str(tmp_path / "nothing"), "--record", str(tmp_path / "l.npz")], capsys
    )
    _assert_refused(status, out, err, "does not exist", tmp_path)


def _assert_refused(status: int, out: str, err: str, message: str, where: Path) -> None:
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("rlkit eval: error:"), err
    assert re.search(message, err), err
    assert not any(where.iterdir())
