"""The wheel installs the four packages, the YAML presets and the tasks' MJCF models."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source checkout")
def test_wheel_contains_packages_presets_and_models(tmp_path: Path) -> None:
    # Build from a copy without build/ and *.egg-info: their leftovers from an earlier build can put files
    # in the wheel that a fresh clone's build leaves out.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "runs", "__pycache__")
    )
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
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("rlkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("rlkit", "envs", "agents", "vision", "configs"):
        assert f"{package}/__init__.py" in names
    # Every data file of the checkout ships: an editable install would hide one left out.
    for data in [*(ROOT / "configs").glob("*.yaml"), *(ROOT / "envs" / "tasks" / "assets").glob("*.xml")]:
        assert data.relative_to(ROOT).as_posix() in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "rlkit = rlkit.cli.main:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any(n.startswith("tests/") for n in names)
