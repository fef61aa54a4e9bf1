"""rlkit distill with distill.method adaptation (Rapid Motor Adaptation): the adaptation module estimates the
teacher's privileged parameters from the student's observation history, the frozen teacher acts on the
estimate, and the student is a run that rlkit eval and rlkit export read alone."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from rlkit.cli.main import main
from rlkit.config.loading import load_config
from rlkit.distill import AdaptationDistiller
from rlkit.evaluate.restore import restore_agent
from rlkit.export.onnx_export import OnnxRunner
from rlkit.nn.temporal_cnn import TemporalCNN
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.in_process_vector_env import make_in_process_vector_env
from rlkit.training.run import create_run_dir

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.episodes=2", "train.torch_threads=1"]
#: Short episodes: more episodes, so more draws of the physics, in few steps; the student acts from the start.
SHORT = [
    *QUIET,
    "env.max_episode_steps=100",
    "rollout.num_envs=16",
    "distill.iterations=6",
    "distill.steps_per_iteration=4096",
    "distill.epochs=6",
    "distill.beta_start=0",
    "distill.adaptation_lr=1e-3",
]
READING = 7  # the cart-pole's 6 sensor values and its last push
HISTORY = 8


@pytest.fixture(scope="module")
def teacher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("rma") / "teacher"
    overrides = ["train.total_steps=16384", "eval.interval=0", *QUIET]  # a teacher that balances
    assert main(["train", "cartpole-balance-rma-teacher", *overrides, "--run-dir", str(run_dir)]) == 0
    return run_dir


@pytest.fixture(scope="module")
def student(teacher: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("rma") / "student"
    args = ["distill", str(teacher), "cartpole-balance-rma-student", *SHORT, "--run-dir", str(run_dir)]
    assert main(args) == 0
    return run_dir


def test_the_adaptation_module_estimates_the_physics_better_than_their_mean(student: Path) -> None:
    restored = restore_agent(student)
    parts = restored.agent.deployable_policy().adaptation
    assert parts is not None and parts.parameters == ("body_mass/pole", "actuator_gain/push")
    # the student acting alone, on episodes distillation never saw
    env = make_in_process_vector_env(restored.config.env, 32, "sync", teacher_view=True)
    obs, infos = env.reset(seed=list(range(10_000, 10_032)))
    estimates, truth = [], []
    for _ in range(60):
        with torch.no_grad():
            estimates.append(parts.estimator(torch.as_tensor(obs, dtype=torch.float32)).numpy())
        truth.append(np.asarray(infos["teacher_parameters"]))
        obs, _, _, _, infos = env.step(restored.agent.act(obs))
    env.close()
    estimate, true = np.concatenate(estimates), np.concatenate(truth)
    error = np.sqrt(((estimate - true) ** 2).mean(axis=0))
    guessing_the_mean = true.std(axis=0)  # the best constant guess's error, the mean known in hindsight
    ratio = error / guessing_the_mean
    # the motor's gain shows in how far each push moved the cart (about 0.4 of the mean's error here); the
    # pole's mass (0.1 kg on a 1 kg cart) hardly does (about 1), so over both the estimate wins by less
    assert ratio[1] < 0.7, ratio
    assert np.sqrt((ratio**2).mean()) < 0.95, ratio

    rows = list(csv.DictReader((student / "metrics.csv").open()))
    assert len(rows) == 6
    errors = ("adaptation/error/body_mass/pole", "adaptation/error/actuator_gain/push")
    assert all(rows[-1][column] for column in ("adaptation/loss", *errors))
    # the logged error is that of the estimate the student acted on, before each fit: from about 1 (the
    # untrained module guesses the mean) to well below
    relative = [float(row["adaptation/relative_error"]) for row in rows]
    assert relative[0] > 0.9 and min(relative[2:]) < 0.95, relative


def test_the_exported_student_is_one_graph_from_the_history_to_the_action(student: Path) -> None:
    assert main(["export", str(student)]) == 0
    sidecar = json.loads((student / "export" / "policy.onnx.json").read_text())
    assert (sidecar["family"], sidecar["agent"]) == ("rma", "rma")
    assert sidecar["inputs"]["obs"]["shape"] == ["batch", HISTORY * READING]
    assert sidecar["parity"]["passed"] and sidecar["parity"]["mismatches"] == 0

    agent = restore_agent(student).agent
    runner = OnnxRunner(str(student / "export" / "policy.onnx"))
    histories = np.asarray(
        plausible_histories(agent.observation_space.shape[0], np.random.default_rng(0)), dtype=np.float32
    )
    np.testing.assert_allclose(runner(histories)[0], agent.act(histories), atol=1e-5)
    # the adaptation module is in the graph: the older readings (through the estimate) move the action too
    older = histories.copy()
    older[:, :-READING] = histories[::-1, :-READING]
    assert not np.allclose(runner(older)[0], runner(histories)[0], atol=1e-4)


def plausible_histories(width: int, rng: np.random.Generator, count: int = 64) -> np.ndarray:
    """Histories of plausible readings: the pole near upright, small velocities and pushes."""
    readings = rng.normal(0.0, 0.2, (count, HISTORY, READING))
    readings[..., 3] = 1.0 - np.abs(readings[..., 3]) * 0.05  # the pole's axis mostly up
    readings[..., 6] = np.clip(readings[..., 6], -1, 1)
    return readings.reshape(count, width)


def test_a_checkpoint_round_trips(teacher: Path, student: Path, tmp_path: Path) -> None:
    payload = torch.load(student / "checkpoints" / "final.pt", weights_only=True)
    section = payload["config"]["agent"]
    assert (section["name"], section["base"]["name"], section["history"]) == ("rma", "ppo", HISTORY)
    restored = restore_agent(student)
    state = restored.agent.state_dict()["policy"]
    assert state.keys() == payload["agent"]["policy"].keys()
    assert all(torch.equal(state[key], tensor) for key, tensor in payload["agent"]["policy"].items())
    # the base policy is the teacher's, weights and observation statistics, untouched by the fit
    teacher_policy = restore_agent(teacher).agent.deployable_policy().module.state_dict()
    adaptation = restored.agent.deployable_policy().adaptation
    assert adaptation is not None
    base = adaptation.base.state_dict()
    assert base.keys() == teacher_policy.keys()
    assert all(torch.equal(base[key], tensor) for key, tensor in teacher_policy.items())
    # rlkit eval on the checkpoint alone scores what distillation's last evaluation scored, to the bit
    assert main(["eval", str(student), "--output", str(tmp_path / "eval.json")]) == 0
    again = json.loads((tmp_path / "eval.json").read_text())["mean_return"]
    assert again == json.loads((student / "eval.json").read_text())["mean_return"]


def test_rlkit_train_refuses_the_student_agent_before_writing(student: Path, tmp_path: Path, capsys) -> None:
    run_dir = tmp_path / "retrained"
    assert main(["train", str(student / "config.yaml"), *QUIET, "--run-dir", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert "agent 'rma' is made by rlkit distill" in err and len(err.strip().splitlines()) == 1
    assert not run_dir.exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["env.sensors.history=1"], "env.sensors.history is 1"),
        (
            [
                "env.randomization.parameters=[{parameter: body_mass, names: pole, low: 0.5, high: 3.0}, "
                "{parameter: actuator_gain, low: 0.6, high: 1.4}]"
            ],
            "env.randomization.parameters differ from the teacher's (entry 0:",
        ),
        (["env.task.observations=[]"], "channel 6: 'last_action:push' for the teacher, nothing for the"),
    ],
    ids=["no-history", "other-physics", "other-channels"],
)
def test_students_that_cannot_adapt_this_teacher_get_one_line(
    teacher: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], overrides: list[str], message: str
) -> None:
    run_dir = tmp_path / "student"
    args = ["distill", str(teacher), "cartpole-balance-rma-student", *overrides, *QUIET, "--run-dir"]
    status = main([*args, str(run_dir)])
    err = capsys.readouterr().err
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not run_dir.exists()  # nothing written


def test_a_teacher_that_never_saw_the_physics_gets_one_line(tmp_path: Path, capsys) -> None:
    teacher = tmp_path / "teacher"
    blind = ["env.randomization.observe_parameters=false", "train.total_steps=1024", "eval.interval=0"]
    assert main(["train", "cartpole-balance-rma-teacher", *blind, *QUIET, "--run-dir", str(teacher)]) == 0
    capsys.readouterr()
    student = tmp_path / "student"
    args = ["distill", str(teacher), "cartpole-balance-rma-student", *QUIET, "--run-dir", str(student)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "env.randomization.observe_parameters=true" in err and len(err.strip().splitlines()) == 1
    assert not student.exists()


def test_the_quadruped_pair_adapts_on_the_batched_backend_with_a_temporal_convolution(tmp_path: Path) -> None:
    small = ["rollout.num_envs=8", "env.max_episode_steps=50", *QUIET]
    teacher = tmp_path / "teacher"
    overrides = [*small, "agent.batch_size=96", "train.total_steps=384", "eval.interval=0"]
    assert main(["train", "quadruped-rma-teacher", *overrides, "--run-dir", str(teacher)]) == 0
    config = load_config(
        "quadruped-rma-student",
        [*small, "distill.iterations=2", "distill.steps_per_iteration=64", "distill.batch_size=32"],
    )
    distiller = AdaptationDistiller(teacher, config, tmp_path / "student")
    assert isinstance(distiller.env, BatchedVectorEnv)
    assert isinstance(distiller.estimator.encoder, TemporalCNN)
    create_run_dir(tmp_path / "student")
    outcome = distiller.run()
    assert outcome.env_steps == 128 and distiller.dataset.size == 128
    assert distiller.dataset.obs is not None and distiller.dataset.obs.shape[1] == 50 * 48  # 1 s of readings
    assert len(distiller.parameters) == 57  # trunk mass, 18 frictions, 12 gains, 13 + 13 joint frictions
