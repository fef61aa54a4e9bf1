"""The wheel installs one top-level name, ``rlkit``, with every package of the checkout, the YAML presets and
the tasks' MJCF models; installed, ``rlkit.envs`` imports and ``envs`` does not."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


FOLDERS = {"rlkit": "rlkit", "envs": "rlkit/envs", "agents": "rlkit/agents", "vision": "rlkit/vision"}
FOLDERS |= {"configs": "rlkit/configs"}


def build_wheel(tmp_path: Path) -> Path:
    """Build the checkout's wheel into ``tmp_path``; returns its path."""
    # Build from a copy without build/ and *.egg-info: their leftovers from an earlier build can put files
    # in the wheel that a fresh clone's build leaves out.
    source = tmp_path / "source"
    leftovers = shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__")

    def ignore(folder: str, names: list[str]) -> set[str]:
        # runs/ at the top is training output; rlkit/runs is a package
        return set(leftovers(folder, names)) | ({"runs"} if Path(folder) == ROOT else set())

    shutil.copytree(ROOT, source, ignore=ignore)
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
    return wheel


def installed_name(path: Path) -> str:
    """Where a file of the checkout lands in the wheel: ``envs/x.py`` installs as ``rlkit/envs/x.py``."""
    folder, *rest = path.relative_to(ROOT).parts
    return "/".join([FOLDERS[folder], *rest])


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source checkout")
def test_wheel_has_one_top_level_name_and_every_package_presets_and_models(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"rlkit"}
    top_level = next(n for n in names if n.endswith("top_level.txt"))
    assert zipfile.ZipFile(wheel).read(top_level).decode().split() == ["rlkit"]
    # Every package and data file of the checkout ships: an editable install would hide one left out.
    packages = [
        p for folder in FOLDERS for p in (ROOT / folder).rglob("__init__.py") if "__pycache__" not in p.parts
    ]
    data = [*(ROOT / "configs").glob("*.yaml"), *(ROOT / "envs" / "tasks" / "assets").glob("*.xml")]
    for path in [*packages, *data]:
        assert installed_name(path) in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "rlkit = rlkit.cli.main:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any(n.startswith("tests/") for n in names)


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source checkout")
def test_installed_wheel_imports_rlkit_subpackages_and_no_top_level_envs(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    # A virtualenv that sees this interpreter's dependencies (torch, mujoco, ...) and only the wheel's rlkit.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True)
    here = tmp_path / "elsewhere"  # not the checkout, whose folders would import from the current directory
    here.mkdir()

    def imports(statement: str) -> subprocess.CompletedProcess:
        return subprocess.run([python, "-c", statement], cwd=here, capture_output=True, text=True)

    works = imports(
        "import rlkit, rlkit.envs, rlkit.agents, rlkit.vision, rlkit.configs; print(rlkit.__file__)"
    )
    assert works.returncode == 0, works.stderr
    assert works.stdout.strip().startswith(str(venv))
    for name in ("envs", "agents", "vision", "configs"):
        failed = imports(f"import {name}")
        assert failed.returncode != 0 and f"No module named '{name}'" in failed.stderr
