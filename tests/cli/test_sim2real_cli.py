"""The sim2real stack from the command line: shipped presets, the README's custom-robot examples, the
curriculum, robustness evaluation with env overrides, and bad XML tasks."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import get_args

import pytest

from rlkit.config.loading import load_config, preset_names
from rlkit.config.sim2real import RewardTerm, TerminationTerm
from rlkit.envs import make_env
from tests.cli.conftest import TINY_PPO, run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.mark.parametrize(
    "preset", ["cartpole-swingup-ppo", "reacher-ppo", "walker-ppo", "walker-ppo-sim2real"]
)
def test_sim2real_presets_build_their_env(preset: str) -> None:
    assert preset in preset_names()
    config = load_config(preset)
    env = make_env(config.env)
    env.reset(seed=0)
    env.step(env.action_space.sample())


def test_custom_robot_example_trains_and_evaluates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As in the README: the YAML names arm.xml relative to itself, so it works from any directory.
    run = tmp_path / "arm"
    status, _, err = run_cli(
        [
            "train",
            str(EXAMPLES / "custom_robot" / "arm.yaml"),
            *TINY_PPO,
            "env.max_episode_steps=20",
            "--run-dir",
            str(run),
        ],
        capsys,
    )
    assert status == 0, err
    status, _, err = run_cli(["eval", str(run), "--episodes", "2"], capsys)
    assert status == 0, err
    assert json.loads((run / "eval.json").read_text())["episodes"] == 2


def test_custom_env_class_example_trains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # env.id names examples.custom_env.point_mass, importable from the checkout
    status, _, err = run_cli(
        ["train", "examples/custom_env/point_mass.yaml", *TINY_PPO, "--run-dir", str(tmp_path / "pm")],
        capsys,
    )
    assert status == 0, err


def test_curriculum_widens_randomization_with_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "curriculum"
    status, _, err = run_cli(
        [
            "train",
            "walker-ppo",
            *TINY_PPO,
            "train.total_steps=1024",
            "rollout.num_envs=2",
            "agent.batch_size=64",
            "env.randomization.parameters=[{parameter: body_mass, low: 0.5, high: 1.5}]",
            "env.randomization.curriculum={start: 0.0, end: 1.0, end_fraction: 0.5}",
            "--run-dir",
            str(run),
        ],
        capsys,
    )
    assert status == 0, err
    with (run / "metrics.csv").open() as handle:
        scales = [
            float(row["randomization/scale"]) for row in csv.DictReader(handle) if row["randomization/scale"]
        ]
    assert scales[0] == 0.25 and scales[-1] == 1.0  # first row at 128 of 1024 steps: 0.125 / 0.5
    assert scales == sorted(scales)


def test_visual_curriculum_widens_the_looks_on_its_own_schedule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "visual"
    status, _, err = run_cli(
        [
            "train",
            "cartpole-balance-teacher",
            *TINY_PPO,
            "train.total_steps=1024",
            "rollout.num_envs=2",
            "agent.batch_size=64",
            "env.visual_randomization={lights: {diffuse: [0.5, 1.5]}, scale: 0.8, "
            "curriculum: {start: 0.0, end: 1.0, end_fraction: 0.5}}",
            "--run-dir",
            str(run),
        ],
        capsys,
    )
    assert status == 0, err
    with (run / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    scales = [float(row["visual_randomization/scale"]) for row in rows if row["visual_randomization/scale"]]
    assert scales[0] == pytest.approx(0.2) and scales[-1] == pytest.approx(0.8)  # 0.8 x (0.25 ... 1)
    assert scales == sorted(scales)
    assert "randomization/scale" not in rows[0]  # the physics has no curriculum of its own here


def test_eval_with_env_overrides_measures_robustness(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "swingup"
    status, _, err = run_cli(["train", "cartpole-swingup-ppo", *TINY_PPO, "--run-dir", str(run)], capsys)
    assert status == 0, err
    status, _, err = run_cli(
        [
            "eval",
            str(run),
            "env.randomization.parameters=[{parameter: body_mass, low: 1.3, high: 1.3}]",
            "env.sensors.latency={min: 2, max: 2}",
            "--episodes",
            "2",
            "--output",
            str(tmp_path / "perturbed.json"),
        ],
        capsys,
    )
    assert status == 0, err
    summary = json.loads((tmp_path / "perturbed.json").read_text())
    assert summary["overrides"][1] == "env.sensors.latency={min: 2, max: 2}"
    status, _, err = run_cli(["eval", str(run), "agent.lr=1"], capsys)
    assert status == 2 and "env.* and eval.* overrides only" in err


def test_misspelled_body_in_a_yaml_task_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(EXAMPLES / "custom_robot" / "arm.xml", tmp_path / "arm.xml")
    (tmp_path / "robot.yaml").write_text(
        "env:\n  id: arm.xml\n  task:\n    reward:\n      - {term: upright, body: link4}\n"
        "agent:\n  name: ppo\n"
    )
    status, _, err = run_cli(
        ["train", str(tmp_path / "robot.yaml"), "--run-dir", str(tmp_path / "run")], capsys
    )
    assert status == 2
    assert err.strip() == (
        "rlkit train: error: env.task.reward[0].body: the model has no body named 'link4' "
        "(body names: world, link1, link2, link3)"
    )
    assert not (tmp_path / "run").exists()


def test_dqn_trains_on_a_continuous_task_through_discrete_actions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "dqn"
    overrides = [
        "env.id=rlkit/Reacher-v0",
        "env.discrete_actions=3",
        "train.total_steps=600",
        "agent.learning_starts=200",
        "agent.train_freq=100",
        "agent.gradient_steps=2",
    ]
    quiet = ["eval.episodes=1", "eval.interval=0", "log.progress=false"]
    status, _, err = run_cli(["train", "cartpole-dqn", *overrides, *quiet, "--run-dir", str(run)], capsys)
    assert status == 0, err
    assert (run / "checkpoints" / "final.pt").is_file()


def test_train_help_documents_every_task_term_with_its_fields(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(["train", "--help"], capsys)
    assert status == 0
    terms = out[out.index(" reward terms (env.task.reward") :]
    for union in (RewardTerm, TerminationTerm):
        for model in get_args(get_args(union)[0]):
            name = get_args(model.model_fields["term"].annotation)[0]
            assert f"\n  {name}: " in terms, name
    assert "  site_approach: How fast two sites approach each other" in terms
    approach = terms[terms.index("  site_approach:") :]
    assert approach.splitlines()[1].startswith("      site_a = required  first site")
    assert "larger is better" in terms.splitlines()[0]
