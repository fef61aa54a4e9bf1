"""A run directory keeps its own copy of the robot it was trained on, so it evaluates wherever it is moved.

A run on ``env.id: robot.xml`` copies the model into ``RUN/model/``: the XML, the files it includes and
the assets they name (meshes, textures, height fields, skins), at the same relative paths. The config the
run stores (``config.yaml``, every checkpoint) names the copy relative to the run directory
(``model/robot.xml``), and reading a run's checkpoint resolves it against wherever the run directory is
now. Moving the run, or deleting or editing the original XML, changes nothing for ``rlkit eval``,
``--video``, ``export`` or ``--resume``.
"""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, TypeGuard

from rlkit.config.schema import RunConfig
from rlkit.errors import RlkitError

MODEL_DIR = "model"
#: Attributes that name asset files, by element (cube textures have one file per face).
_FILE_ATTRIBUTES = {
    "mesh": ("file",),
    "hfield": ("file",),
    "skin": ("file",),
    "texture": ("file", "fileright", "fileleft", "fileup", "filedown", "filefront", "fileback"),
    "model": ("file",),
}


def is_model_path(env_id: object) -> TypeGuard[str]:
    """Whether ``env.id`` names an MJCF file (rather than a registered id or ``module:Class``)."""
    return isinstance(env_id, str) and env_id.endswith(".xml")


def model_files(model: Path) -> list[Path]:
    """The MJCF file ``model``, the files it includes (recursively) and the asset files they name that
    exist, as absolute paths. Paths resolve as MuJoCo resolves them: includes against the main file's
    folder, meshes, height fields and skins against ``compiler meshdir`` (else ``assetdir``), textures
    against ``texturedir`` (else ``assetdir``)."""
    model = model.resolve()
    base = model.parent
    files = [model]
    pending = [model]
    asset_dirs = {"mesh": base, "texture": base}
    while pending:
        try:
            root = ET.parse(pending.pop()).getroot()
        except (ET.ParseError, OSError):
            continue  # the env itself reports a malformed model; here only what exists is copied
        for compiler in root.iter("compiler"):
            if "assetdir" in compiler.attrib:
                asset_dirs = {kind: base / compiler.attrib["assetdir"] for kind in asset_dirs}
            if "meshdir" in compiler.attrib:
                asset_dirs["mesh"] = base / compiler.attrib["meshdir"]
            if "texturedir" in compiler.attrib:
                asset_dirs["texture"] = base / compiler.attrib["texturedir"]
        for include in root.iter("include"):
            path = (base / include.attrib.get("file", "")).resolve()
            if path.is_file() and path not in files:
                files.append(path)
                pending.append(path)
        for tag, attributes in _FILE_ATTRIBUTES.items():
            folder = asset_dirs["texture"] if tag == "texture" else asset_dirs["mesh"]
            for element in root.iter(tag):
                for attribute in attributes:
                    if attribute in element.attrib:
                        path = (folder / element.attrib[attribute]).resolve()
                        if path.is_file() and path not in files:
                            files.append(path)
    return files


def copy_model(config: RunConfig, run_dir: Path) -> None:
    """Copy the run's MJCF model and its files into ``run_dir/model`` and point ``config.env.id`` at the copy
    (nothing to do for registered envs).

    Raises:
        RlkitError: A file cannot be copied (named in the message).
    """
    if not is_model_path(config.env.id) or not Path(config.env.id).is_file():
        return
    files = model_files(Path(config.env.id))
    root = Path(os.path.commonpath([str(path.parent) for path in files]))
    target = run_dir / MODEL_DIR
    for path in files:
        destination = target / path.relative_to(root)
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        except OSError as exc:
            raise RlkitError(
                f"cannot copy the model file '{path}' into the run: {exc.strerror or exc}"
            ) from None
    config.env.id = str((target / files[0].relative_to(root)).resolve())


def portable_config(config: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """``config`` as a run stores it: a model inside ``run_dir`` named relative to it (``model/arm.xml``)."""
    env_id = config.get("env", {}).get("id")
    if not is_model_path(env_id) or not Path(env_id).is_absolute():
        return config
    try:
        relative = Path(env_id).relative_to(run_dir.resolve())
    except ValueError:
        return config
    return {**config, "env": {**config["env"], "id": relative.as_posix()}}


def resolve_run_config(config: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """``config`` as read from a run: a model named relative to the run directory made absolute again."""
    env_id = config.get("env", {}).get("id") if isinstance(config.get("env"), dict) else None
    if not is_model_path(env_id) or Path(env_id).is_absolute() or not (run_dir / env_id).is_file():
        return config
    return {**config, "env": {**config["env"], "id": str((run_dir / env_id).resolve())}}
