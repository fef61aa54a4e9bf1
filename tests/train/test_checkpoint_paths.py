"""Ways to name a checkpoint: a run directory, its checkpoints directory, the ``latest`` pointer, the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlkit.errors import RlkitError
from rlkit.runs.checkpoint import LATEST, load_checkpoint, resolve_checkpoint, save_checkpoint


def test_every_way_of_naming_the_latest_checkpoint_gives_its_file(tmp_path: Path) -> None:
    checkpoints = tmp_path / "run" / "checkpoints"
    checkpoints.mkdir(parents=True)
    save_checkpoint(checkpoints, "step_8.pt", {"env_steps": 8})
    newest = save_checkpoint(checkpoints, "step_16.pt", {"env_steps": 16})
    for named in (tmp_path / "run", checkpoints, checkpoints / LATEST, newest):
        assert resolve_checkpoint(named) == newest, named
    assert load_checkpoint(checkpoints / LATEST)["env_steps"] == 16
    assert load_checkpoint(checkpoints / "step_8.pt")["env_steps"] == 8


def test_a_pointer_to_a_missing_checkpoint_says_which(tmp_path: Path) -> None:
    (tmp_path / LATEST).write_text("step_4.pt\n")
    with pytest.raises(RlkitError, match=r"step_4\.pt' does not exist"):
        resolve_checkpoint(tmp_path / LATEST)
