"""rlkit distill: the teacher's view inside the student's env, DAgger fitting, and the CLI around it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rlkit.cli.main import main
from rlkit.config.loading import load_config
from rlkit.config.schema import RolloutConfig
from rlkit.distill import Distiller
from rlkit.envs import make_env
from rlkit.errors import RlkitError
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.in_process_vector_env import make_in_process_vector_env
from rlkit.training.run import create_run_dir
from tests.rollout.helpers import assert_same

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.episodes=2", "train.torch_threads=1"]
SHORT = [*QUIET, "distill.iterations=2", "distill.steps_per_iteration=512", "distill.epochs=8"]


@pytest.fixture(scope="module")
def teacher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("teacher") / "run"
    overrides = ["train.total_steps=16384", "eval.interval=0", *QUIET]  # a teacher that balances
    assert main(["train", "cartpole-balance-teacher", *overrides, "--run-dir", str(run_dir)]) == 0
    return run_dir


def test_teacher_view_reports_the_clean_state_and_the_physics() -> None:
    student = load_config("cartpole-balance-student")
    clean_config = student.env.model_copy(update={"sensors": type(student.env.sensors)()})
    env, clean = make_env(student.env, teacher_view=True), make_env(clean_config)
    obs, info = env.reset(seed=3)
    clean_obs, clean_info = clean.reset(seed=3)
    np.testing.assert_array_equal(info["teacher_state"], clean_obs.astype(np.float32))
    # the same physics, drawn from the same seed
    np.testing.assert_allclose(
        info["teacher_parameters"], list(clean_info["randomization"].values()), rtol=1e-6
    )
    for _ in range(5):
        action = np.array([0.3], np.float32)
        obs, _, _, _, info = env.step(action)
        clean_obs, *_ = clean.step(action)
        np.testing.assert_allclose(info["teacher_state"], clean_obs, rtol=0, atol=1e-6)
        assert not np.allclose(obs, clean_obs)  # the student's sensors are noisy and late


def test_observe_parameters_appends_the_samples_and_excludes_the_critic_only_form() -> None:
    teacher = load_config("cartpole-balance-teacher")
    env = make_env(teacher.env)
    obs, info = env.reset(seed=0)
    assert obs.shape == (8,)  # 6 sensor values, then the pole's mass and the motor's gain
    np.testing.assert_allclose(obs[6:], list(info["randomization"].values()), rtol=1e-6)
    both = teacher.env.model_copy(deep=True)
    both.randomization.privileged_observation = True
    with pytest.raises(RlkitError, match="not both"):
        make_env(both)


def test_dagger_fits_the_students_actor_to_the_teachers_labels(teacher: Path, tmp_path: Path) -> None:
    # The student acts from the start (beta 0): it falls, and the teacher's corrections are large.
    config = load_config("cartpole-balance-student", [*SHORT, "distill.beta_start=0"])
    distiller = Distiller(teacher, config, tmp_path)
    untrained = {key: value.clone() for key, value in distiller.policy.state_dict().items()}
    create_run_dir(tmp_path)
    outcome = distiller.run()
    assert outcome.env_steps == 1024 and distiller.dataset.size == 1024
    size = distiller.dataset.size
    obs = torch.as_tensor(distiller.dataset.obs[:size], dtype=torch.float32)
    labels = torch.as_tensor(distiller.dataset.actions[:size], dtype=torch.float32)

    def error() -> float:
        with torch.no_grad():
            actions = distiller.policy.distribution(distiller.policy.normalize(obs)).mode()
        return float(((actions - labels) ** 2).mean())

    fitted = error()
    distiller.policy.load_state_dict(untrained)
    assert fitted < 0.25 * error()  # the fitted actor is far closer to the teacher than where it started
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert len(rows) == 3 and "distill/loss" in rows[0] and "teacher/return_mean" in rows[0]


def test_squashed_students_learn_the_teachers_actions_in_their_own_range(teacher: Path, tmp_path) -> None:
    config = load_config("cartpole-balance-student", [*SHORT, "agent.squash_actions=true"])
    distiller = Distiller(teacher, config, tmp_path)
    # the motor's range is [-1, 1]: tanh outputs equal env actions, pulled just inside the open interval
    labels = distiller._labels(np.array([[-1.0], [0.0], [0.5], [1.0]], np.float32))
    np.testing.assert_allclose(labels[:, 0], [-1 + 1e-4, 0.0, 0.5, 1 - 1e-4], atol=1e-6)


def test_the_distilled_student_is_a_run_that_rlkit_eval_reads(teacher: Path, tmp_path: Path, capsys) -> None:
    student = tmp_path / "student"
    args = ["distill", str(teacher), "cartpole-balance-student", *SHORT, "--run-dir", str(student)]
    assert main(args) == 0
    assert (student / "config.yaml").exists() and (student / "eval.json").exists()
    assert main(["eval", str(student), "--episodes", "2", "--output", str(tmp_path / "e.json")]) == 0
    assert "distilled over 1,024 steps" in capsys.readouterr().out


@pytest.mark.parametrize(
    "student, overrides, message",
    [
        ("cartpole-ppo", [], "needs the same env.id"),
        ("cartpole-balance-student", ["agent.name=recurrent_ppo"], "feed-forward actor-critic students"),
        ("cartpole-balance-student", ["env.discrete_actions=3"], "must be the same"),
    ],
)
def test_students_that_cannot_learn_from_this_teacher_get_one_line(
    teacher: Path, tmp_path: Path, capsys, student, overrides, message
) -> None:
    run_dir = tmp_path / "student"
    status = main(["distill", str(teacher), student, *overrides, *SHORT, "--run-dir", str(run_dir)])
    err = capsys.readouterr().err
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not run_dir.exists()  # nothing written


@pytest.mark.parametrize("preset", ["cartpole-balance-student", "quadruped-rough-student"])
def test_the_batched_teacher_view_equals_the_per_env_one_to_the_bit(preset: str) -> None:
    config = load_config(preset, ["env.max_episode_steps=40"])
    rollout = RolloutConfig(backend="batched", threads=2)
    sync = make_in_process_vector_env(config.env, 3, "sync", teacher_view=True)
    batched = make_in_process_vector_env(config.env, 3, "batched", rollout, teacher_view=True)
    assert isinstance(batched, BatchedVectorEnv)
    reset = batched.reset(seed=7)
    assert {"teacher_state", "teacher_parameters"} <= set(reset[1])
    assert_same(sync.reset(seed=7), reset, "reset")
    rng = np.random.default_rng(0)
    shape = (3, *sync.single_action_space.shape)
    for step in range(100):  # episodes end and restart: the reset rows report their new episode
        actions = rng.uniform(-1, 1, shape).astype(np.float32)
        assert_same(sync.step(actions), batched.step(actions), f"step {step}")
    sync.close()
    batched.close()


def test_a_rough_terrain_teacher_distils_into_the_legged_student_on_the_batched_backend(
    tmp_path: Path,
) -> None:
    small = ["rollout.num_envs=8", "agent.batch_size=96", "env.max_episode_steps=50", *QUIET]
    teacher = tmp_path / "teacher"
    overrides = [*small, "train.total_steps=384", "eval.interval=0"]
    assert main(["train", "quadruped-rough-teacher", *overrides, "--run-dir", str(teacher)]) == 0
    config = load_config(
        "quadruped-rough-student",
        [*small, "distill.iterations=2", "distill.steps_per_iteration=64", "distill.batch_size=32"],
    )
    distiller = Distiller(teacher, config, tmp_path / "student")
    assert isinstance(distiller.env, BatchedVectorEnv)
    create_run_dir(tmp_path / "student")
    outcome = distiller.run()
    assert outcome.env_steps == 128 and distiller.dataset.size == 128
    assert distiller.dataset.obs.shape[1] == 3 * 48  # the student sees 3 readings, no terrain
