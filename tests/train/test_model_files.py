"""A run on an MJCF file keeps a copy of the model (includes and assets too) and evaluates from it after the
run and the original are moved or deleted."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from rlkit.cli.main import main
from rlkit.runs.model_files import model_files

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_robot"
FAST = [
    "train.total_steps=256",
    "agent.n_steps=32",
    "rollout.num_envs=2",
    "eval.episodes=1",
    "log.progress=false",
    "log.tensorboard=false",
]


def robot_with_includes_and_assets(folder: Path) -> Path:
    """The example arm, split into a main file that includes a file of assets (a mesh and a texture)."""
    (folder / "parts").mkdir(parents=True)
    (folder / "meshes").mkdir()
    (folder / "textures").mkdir()
    (folder / "meshes" / "tet.obj").write_text(
        "v 0 0 0\nv 0.02 0 0\nv 0 0.02 0\nv 0 0 0.02\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"
    )
    cv2.imwrite(
        str(folder / "textures" / "checker.png"),
        np.kron([[0, 255], [255, 0]], np.ones((8, 8))).astype(np.uint8),
    )
    (folder / "parts" / "assets.xml").write_text(
        '<mujoco><asset><mesh name="tet" file="tet.obj"/>'
        '<texture name="checker" type="2d" file="checker.png"/>'
        '<material name="checker" texture="checker"/></asset></mujoco>'
    )
    main_xml = (
        (EXAMPLE / "arm.xml")
        .read_text()
        .replace(
            '<mujoco model="three_link_arm">',
            '<mujoco model="three_link_arm">\n  <compiler meshdir="meshes" texturedir="textures"/>\n'
            '  <include file="parts/assets.xml"/>',
        )
    )
    (folder / "robot.xml").write_text(main_xml)
    task = yaml.safe_load((EXAMPLE / "arm.yaml").read_text())
    task["env"]["id"] = "robot.xml"
    (folder / "robot.yaml").write_text(yaml.safe_dump(task))
    return folder / "robot.yaml"


def test_model_files_follow_includes_and_asset_folders(tmp_path: Path) -> None:
    robot_with_includes_and_assets(tmp_path)
    found = {path.relative_to(tmp_path).as_posix() for path in model_files(tmp_path / "robot.xml")}
    assert found == {"robot.xml", "parts/assets.xml", "meshes/tet.obj", "textures/checker.png"}


def test_a_moved_run_evaluates_from_its_own_copy_of_the_model(tmp_path: Path, monkeypatch) -> None:
    source = robot_with_includes_and_assets(tmp_path / "robot")
    monkeypatch.chdir(tmp_path)
    assert main(["train", str(source), *FAST, "--run-dir", "runs/arm"]) == 0
    run = tmp_path / "runs" / "arm"
    assert yaml.safe_load((run / "config.yaml").read_text())["env"]["id"] == "model/robot.xml"
    assert (run / "model" / "meshes" / "tet.obj").is_file()
    assert (run / "model" / "textures" / "checker.png").is_file()

    shutil.rmtree(tmp_path / "robot")  # the original is gone
    moved = tmp_path / "elsewhere" / "arm"
    shutil.move(str(run), str(moved))
    assert main(["eval", str(moved), "--episodes", "1"]) == 0
    assert main(["export", str(moved), "--parity-steps", "16"]) == 0
    sidecar = yaml.safe_load((moved / "export" / "policy.onnx.json").read_text())
    assert [channel["name"] for channel in sidecar["action"]["channels"]] == ["shoulder", "elbow", "wrist"]
    assert main(["train", "--resume", str(moved), "train.total_steps=512"]) == 0


def test_a_module_env_is_found_beside_its_config_file(tmp_path: Path, monkeypatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "beside_env.py").write_text(
        "from gymnasium.envs.classic_control import CartPoleEnv as BesideCartPole\n"
    )
    (project / "run.yaml").write_text(
        yaml.safe_dump(
            {
                "env": {"id": "beside_env:BesideCartPole", "max_episode_steps": 50},
                "agent": {"name": "ppo", "n_steps": 32},
                "rollout": {"num_envs": 2},
            }
        )
    )
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr("sys.path", [p for p in __import__("sys").path if p not in ("", ".")])
    assert main(["train", str(project / "run.yaml"), *FAST, "--run-dir", "r"]) == 0


@pytest.fixture(autouse=True)
def _forget_beside_env():
    yield
    __import__("sys").modules.pop("beside_env", None)
