"""The wheel installs the four packages and the YAML presets (found without a checkout)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source checkout")
def test_wheel_contains_packages_and_presets(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("rlkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("rlkit", "envs", "agents", "vision", "configs"):
        assert f"{package}/__init__.py" in names
    presets = {Path(n).stem for n in names if n.startswith("configs/") and n.endswith(".yaml")}
    assert {"cartpole-ppo", "cartpole-dqn", "pendulum-ppo"} <= presets
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "rlkit = rlkit.cli.main:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any(n.startswith("tests/") for n in names)
