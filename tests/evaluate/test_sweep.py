"""``rlkit eval --sweep``: perturbations really applied, the grid, its JSON, Markdown and PNG, several runs
side by side, and bad sweeps as one-line errors with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from rlkit.config.loading import load_config
from rlkit.config.perturbations import PERTURBATIONS, Perturbation, PushSetting
from rlkit.config.sweep import BUILTIN_SWEEPS, SweepAxis
from rlkit.envs import make_env
from rlkit.evaluate.checkpoint_eval import restore_agent
from rlkit.evaluate.sweep import load_sweep
from rlkit.evaluate.sweep_result import kept_fraction
from rlkit.evaluate.sweep_world import nominal_env_config, perturbed_env_config, root_body
from tests.cli.conftest import run_cli

GRID = """\
episodes: 2
axes:
  - {perturbation: mass_scale, values: [0.5, 1.0, 3.0]}
  - {perturbation: observation_noise, values: [0.0, 1.0]}
"""


def _env_config(run: Path):
    return restore_agent(run).config.env


def test_mass_scale_reaches_the_model_and_info(tiny_runs: tuple[Path, Path]) -> None:
    base = nominal_env_config(_env_config(tiny_runs[1]))
    heavy = perturbed_env_config(base, [SweepAxis(perturbation="mass_scale", values=[2.0])], [2.0])
    nominal_env, heavy_env = make_env(base), make_env(heavy)
    _, nominal_info = nominal_env.reset(seed=0)
    _, heavy_info = heavy_env.reset(seed=0)
    # The training randomization (0.5-1.5) is pinned at nominal; the perturbation scales every body by 2.
    assert set(nominal_info["randomization"].values()) == {1.0}
    assert heavy_info["randomization"] and set(heavy_info["randomization"].values()) == {2.0}
    nominal_mass = nominal_env.unwrapped.model.body_mass[1:]
    np.testing.assert_allclose(heavy_env.unwrapped.model.body_mass[1:], 2.0 * nominal_mass)


def test_observation_noise_changes_observations(tiny_runs: tuple[Path, Path]) -> None:
    base = nominal_env_config(_env_config(tiny_runs[0]))
    axis = SweepAxis(perturbation="observation_noise", values=[0.0, 0.5])
    clean, _ = make_env(perturbed_env_config(base, [axis], [0.0])).reset(seed=3)
    noisy, _ = make_env(perturbed_env_config(base, [axis], [0.5])).reset(seed=3)
    assert not np.allclose(clean, noisy)
    assert np.abs(noisy - clean).std() > 0.1


def test_latencies_and_pushes_become_fixed_layers(tiny_runs: tuple[Path, Path]) -> None:
    base = nominal_env_config(_env_config(tiny_runs[0]))
    axes = [
        SweepAxis(perturbation="observation_latency", values=[2]),
        SweepAxis(perturbation="push_force", values=[30.0]),
    ]
    env = perturbed_env_config(base, axes, [2, 30.0], root_body(base))
    assert (env.sensors.latency.min, env.sensors.latency.max) == (2, 2)
    assert env.randomization.pushes.force == (30.0, 30.0)
    assert env.randomization.pushes.body == root_body(base) != None  # noqa: E711
    make_env(env).reset(seed=0)


def test_training_baseline_keeps_the_randomization(tiny_runs: tuple[Path, Path]) -> None:
    trained = _env_config(tiny_runs[1])
    assert trained.randomization.parameters[0].low == 0.5
    assert nominal_env_config(trained).randomization.parameters[0].low == 1.0
    config = load_config("walker-ppo-sim2real")
    pinned = nominal_env_config(config.env)
    assert pinned.randomization.pushes is None and pinned.sensors.latency is None
    assert all(model.noise_std == 0 for model in pinned.sensors.models)


def test_two_runs_two_axes_cli(tiny_runs: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    sweep = tmp_path / "grid.yaml"
    sweep.write_text(GRID)
    out = tmp_path / "out"
    args = ["eval", str(tiny_runs[0]), str(tiny_runs[1]), "--sweep", str(sweep), "--output", str(out)]
    status, stdout, err = run_cli(args, capsys)
    assert status == 0, err
    data = json.loads((out / "sweep.json").read_text())
    assert data["sweep"] == "grid" and data["episodes"] == 2
    assert [a["perturbation"] for a in data["axes"]] == ["mass_scale", "observation_noise"]
    assert [run["run"] for run in data["runs"]] == ["plain", "randomized"]
    for run in data["runs"]:
        cells = run["cells"]
        assert [(c["mass_scale"], c["observation_noise"]) for c in cells] == [
            (0.5, 0.0), (0.5, 1.0), (1.0, 0.0), (1.0, 1.0), (3.0, 0.0), (3.0, 1.0)
        ]  # fmt: skip
        assert all(c["episodes"] == 2 for c in cells)
        assert run["nominal"]["mean_return"] == cells[2]["mean_return"]
        assert cells[2]["kept"] == pytest.approx(1.0)
        returns = [c["mean_return"] for c in cells]
        assert len(set(returns)) > 1  # the perturbations change what happens
    markdown = (out / "sweep.md").read_text()
    assert "## plain" in markdown and "## randomized" in markdown
    assert "| mass_scale \\ observation_noise | 0 | 1 |" in markdown
    first = data["runs"][0]["cells"][0]
    assert f"| 0.5 | {first['mean_return']:.1f} ± {first['std_return']:.1f} (" in markdown
    assert markdown in stdout
    image = imread(out / "sweep.png")
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 1.5 * image.shape[0]  # 2 panels


def test_one_axis_default_output(tiny_runs: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    sweep = tmp_path / "latency.yaml"
    sweep.write_text("axes: [{perturbation: observation_latency, values: [0, 3]}]\n")
    run = tiny_runs[0]
    status, _, err = run_cli(["eval", str(run), "--sweep", str(sweep), "--episodes", "2"], capsys)
    assert status == 0, err
    out = run / "sweeps" / "latency"
    data = json.loads((out / "sweep.json").read_text())
    assert [c["observation_latency"] for c in data["runs"][0]["cells"]] == [0, 3]
    assert "| observation_latency | plain |" in (out / "sweep.md").read_text()
    assert imread(out / "sweep.png").shape[0] > 100


@pytest.mark.parametrize(
    ("sweep_text", "expected"),
    [
        ("axes: [{perturbation: mass, values: [1.0]}]", "axes[0].perturbation"),
        ("axes: [{perturbation: mass_scale, values: [1.0]}]\nepisode: 3", "'episode' is unknown"),
        ("axes: [{perturbation: mass_scale, values: [-1.0]}]", "non-negative"),
        ("axes: [{perturbation: observation_latency, values: [0.5]}]", "whole control steps"),
        ("axes: [{perturbation: mass_scale, values: [1.0]", "not valid YAML"),
        ("axes: []", "axes"),
        ("axes: [{perturbation: camera_noise, values: [4.0]}]", "observes no pixels"),
    ],
)
def test_bad_sweep_is_one_line_and_writes_nothing(
    tiny_runs: tuple[Path, Path], tmp_path: Path, capsys, sweep_text: str, expected: str
) -> None:
    sweep = tmp_path / "bad.yaml"
    sweep.write_text(sweep_text)
    out = tmp_path / "out"
    status, _, err = run_cli(["eval", str(tiny_runs[0]), "--sweep", str(sweep), "--output", str(out)], capsys)
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("rlkit eval: error:") and expected in err, err
    assert not out.exists()


def test_unknown_perturbation_lists_the_valid_ones(tmp_path: Path) -> None:
    sweep = tmp_path / "bad.yaml"
    sweep.write_text("axes: [{perturbation: gravity, values: [1.0]}]")
    with pytest.raises(Exception, match=r"mass_scale.*camera_noise"):
        load_sweep(str(sweep))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--sweep", "nonexistent"], "physics, sensors"),
        (["--sweep", "missing.yaml"], "does not exist"),
        (["--sweep", "physics", "--video"], "--video"),
        (["RUN2"], "--sweep only"),
    ],
)
def test_bad_sweep_arguments(tiny_runs: tuple[Path, Path], tmp_path: Path, capsys, args, expected) -> None:
    args = [str(tiny_runs[1]) if a == "RUN2" else a for a in args]
    status, _, err = run_cli(["eval", str(tiny_runs[0]), *args, "--output", str(tmp_path / "o")], capsys)
    assert status == 2 and err.count("\n") == 1 and expected in err, err
    assert not (tmp_path / "o").exists()


def test_a_perturbation_declared_in_the_table_is_a_valid_axis_and_applied(
    tiny_runs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def gravity_scale(raw: dict, value: float, _: PushSetting) -> None:
        entry = {"parameter": "gravity", "names": "z", "low": value, "high": value, "shared": True}
        raw["randomization"]["parameters"].append(entry)

    monkeypatch.setitem(PERTURBATIONS, "gravity_scale", Perturbation("gravity × v", 1.0, gravity_scale))
    axis = SweepAxis(perturbation="gravity_scale", values=[0.5, 1.0])
    assert axis.nominal == 1.0 and not axis.needs_pixels
    env = make_env(perturbed_env_config(nominal_env_config(_env_config(tiny_runs[1])), [axis], [0.5]))
    env.reset(seed=0)
    assert env.unwrapped.model.opt.gravity[2] == pytest.approx(-9.81 / 2)


def test_builtin_sweeps_load() -> None:
    for name in BUILTIN_SWEEPS:
        assert load_sweep(name).name == name


def test_kept_fraction() -> None:
    assert kept_fraction(50.0, 100.0) == 0.5
    assert kept_fraction(-400.0, -200.0) == 0.5  # costs: twice the cost keeps half
    assert kept_fraction(-1.0, 100.0) is None


def test_pixel_perturbations_change_the_image() -> None:
    config = load_config("cartpole-balance-pixels-ppo")
    base = nominal_env_config(config.env)
    axes = [
        SweepAxis(perturbation="light_intensity", values=[0.3, 1.0]),
        SweepAxis(perturbation="camera_noise", values=[0.0, 20.0]),
    ]
    images = {}
    for values in [(1.0, 0.0), (0.3, 0.0), (1.0, 20.0)]:
        env = make_env(perturbed_env_config(base, axes, values))
        images[values], _ = env.reset(seed=0)
        env.close()
    nominal = images[(1.0, 0.0)].astype(float)
    assert images[(0.3, 0.0)].astype(float).mean() < nominal.mean() - 5  # darker
    assert np.abs(images[(1.0, 20.0)].astype(float) - nominal).mean() > 5  # noisier
