"""The legged-robot robustness axes: a payload on one body (``payload_mass``) and the built-in sweeps
``legged-physics`` and ``legged-actuation``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rlkit.config.loading import load_config
from rlkit.config.sweep import BUILTIN_SWEEPS, SweepAxis, SweepConfig
from rlkit.envs.factory import make_env
from rlkit.errors import ConfigError
from rlkit.evaluate.sweep_world import nominal_env_config, perturbed_env_config, root_body
from tests.cli.conftest import run_cli


def test_payload_mass_loads_the_root_body_alone_over_the_pinned_training_randomization() -> None:
    trained = load_config("quadruped-joystick-ppo").env  # randomizes the trunk's mass 0.75-1.35
    base = nominal_env_config(trained)
    axis = SweepAxis(perturbation="payload_mass", values=[1.3])
    loaded = perturbed_env_config(base, [axis], [1.3], root_body(base))
    nominal_model = make_env(base).unwrapped.model
    env = make_env(loaded)
    env.reset(seed=0)
    model = env.unwrapped.model
    trunk = model.body("trunk").id
    assert model.body_mass[trunk] == pytest.approx(1.3 * nominal_model.body_mass[trunk])
    others = np.arange(model.nbody) != trunk
    np.testing.assert_array_equal(model.body_mass[others], nominal_model.body_mass[others])


def test_body_is_for_pushes_and_payloads_only() -> None:
    SweepAxis(perturbation="payload_mass", values=[1.1], body="trunk")
    with pytest.raises(ValueError, match="body is for push_force and payload_mass only"):
        SweepAxis(perturbation="mass_scale", values=[1.1], body="trunk")


@pytest.mark.parametrize("name", ["legged-physics", "legged-actuation"])
def test_the_legged_sweeps_cover_the_ranges_a_legged_robot_is_checked_over(name: str) -> None:
    sweep = SweepConfig.model_validate(BUILTIN_SWEEPS[name][1])
    ranges = {axis.perturbation: (min(axis.values), max(axis.values)) for axis in sweep.axes}
    expected = {
        "legged-physics": {"payload_mass": (0.8, 1.3), "friction_scale": (0.4, 1.2)},
        "legged-actuation": {"actuator_gain": (0.8, 1.2), "action_latency": (0, 2)},
    }[name]
    assert ranges == expected
    assert all(axis.nominal in axis.values for axis in sweep.axes)


def test_a_sweep_file_with_an_unknown_perturbation_is_a_config_error() -> None:
    with pytest.raises((ConfigError, ValueError), match="unknown perturbation 'payload'"):
        SweepConfig.model_validate({"axes": [{"perturbation": "payload", "values": [1.0]}]})


def test_rlkit_eval_sweeps_a_payload_on_the_root_body_without_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overrides = ["train.total_steps=64", "agent.n_steps=16", "rollout.num_envs=2", "agent.batch_size=32"]
    overrides += ["agent.network.hidden_sizes=[8]", "eval.episodes=1", "env.max_episode_steps=5"]
    run_dir = tmp_path / "run"
    status, _, err = run_cli(
        ["train", "quadruped-joystick-ppo-nominal", *overrides, "--run-dir", str(run_dir)], capsys
    )
    assert status == 0, err
    sweep = tmp_path / "payload.yaml"
    sweep.write_text("axes:\n  - {perturbation: payload_mass, values: [1.0, 1.3]}\n")
    output = tmp_path / "out"
    args = ["eval", str(run_dir), "--sweep", str(sweep), "--episodes", "1", "--output", str(output)]
    status, _, err = run_cli(args, capsys)
    assert status == 0, err
    cells = json.loads((output / "sweep.json").read_text())["runs"][0]["cells"]
    assert [cell["payload_mass"] for cell in cells] == [1.0, 1.3] and "fall_rate" in cells[0]
