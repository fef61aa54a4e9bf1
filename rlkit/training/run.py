"""Starting, resuming and finishing a training run in its run directory."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rlkit.config.loading import (
    apply_overrides,
    config_from_dict,
    config_to_dict,
    load_named_config,
    parse_yaml,
)
from rlkit.config.schema import RunConfig
from rlkit.errors import RlkitError
from rlkit.evaluate.evaluator import write_eval_json
from rlkit.files import atomic_write_text
from rlkit.runs.build import check_budget
from rlkit.runs.checkpoint import load_checkpoint, resolve_checkpoint
from rlkit.runs.model_files import copy_model, portable_config, resolve_run_config
from rlkit.runs.stop_signals import exit_status
from rlkit.training.trainer import Trainer, TrainingOutcome


@dataclass(frozen=True)
class RunResult:
    """What ``rlkit train`` reports at the end."""

    run_dir: Path
    outcome: TrainingOutcome
    evaluation: dict[str, Any] | None
    #: 0, or the exit status of a stop signal that cut the final evaluation short (130 SIGINT, 143 SIGTERM):
    #: the run trained its budget and ``final.pt`` is saved, but there is no ``eval.json``.
    evaluation_stopped: int = 0


def default_run_dir(name: str, root: Path = Path("runs")) -> Path:
    """``runs/<name>-<YYYYmmdd-HHMMSS>``, with a numeric suffix if that exists already."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = root / f"{name}-{stamp}"
    suffix = 1
    while candidate.exists():
        suffix += 1
        candidate = root / f"{name}-{stamp}-{suffix}"
    return candidate


def check_new_run_dir(run_dir: Path) -> None:
    """Refuse a run directory that already holds a run (``--resume`` continues those)."""
    if (run_dir / "config.yaml").exists() or (run_dir / "checkpoints").exists():
        raise RlkitError(
            f"run directory '{run_dir}' already holds a run (continue it with --resume {run_dir})"
        )


def create_run_dir(run_dir: Path) -> Path | None:
    """Create ``run_dir`` and check that it is writable.

    Returns:
        The outermost directory this created (None: ``run_dir`` existed), for :func:`start_run` to remove
        if the run cannot start after all.
    """
    check_new_run_dir(run_dir)
    created = next((p for p in reversed([run_dir, *run_dir.parents]) if not p.exists()), None)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe = run_dir / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        _remove_created(created)
        raise RlkitError(f"cannot write the run directory '{run_dir}': {exc.strerror or exc}") from None
    return created


def _remove_created(created: Path | None) -> None:
    if created is not None:
        shutil.rmtree(created, ignore_errors=True)


def start_run(source: str, overrides: Sequence[str], run_dir: Path | None) -> tuple[Trainer, Path]:
    """Load the config, build env and agent (failing before anything is written), then create the run dir.

    A run that cannot start leaves no run directory behind (one that existed before is left as it was).
    """
    config, name = load_named_config(source, overrides)
    run_dir = run_dir if run_dir is not None else default_run_dir(name)
    check_new_run_dir(run_dir)
    trainer = Trainer(config, run_dir)
    open_run_dir(run_dir, config, trainer.env.close)
    return trainer, run_dir


def open_run_dir(run_dir: Path, config: RunConfig, on_failure: Callable[[], None]) -> None:
    """Create ``run_dir`` and write its ``config.yaml``; on failure remove what was created, call
    ``on_failure`` (close what was built for the run) and raise."""
    try:
        created = create_run_dir(run_dir)
        try:
            copy_model(config, run_dir)
            atomic_write_text(run_dir / "config.yaml", run_config_yaml(config, run_dir))
        except RlkitError:
            _remove_created(created)
            raise
    except RlkitError:
        on_failure()
        raise


def resume_run(run_dir: Path, overrides: Sequence[str]) -> Trainer:
    """Rebuild a run from its latest checkpoint; overrides (a larger ``train.total_steps``) apply on top."""
    if not run_dir.is_dir():
        raise RlkitError(f"cannot resume '{run_dir}': no such run directory")
    checkpoint = resolve_checkpoint(run_dir)
    payload = load_checkpoint(checkpoint)
    check_checkpoint_belongs_to_run(payload["config"], run_dir, checkpoint)
    config = config_from_dict(apply_overrides(payload["config"], overrides))
    check_budget(config, payload)  # a resume that would train nothing changes nothing
    trainer = Trainer(config, run_dir, resume=payload)
    try:
        atomic_write_text(run_dir / "config.yaml", run_config_yaml(config, run_dir))
    except RlkitError:
        trainer.env.close()
        raise
    return trainer


def run_config_yaml(config: RunConfig, run_dir: Path) -> str:
    """``config.yaml`` of a run: the resolved config, its model named relative to the run directory."""
    return yaml.safe_dump(portable_config(config_to_dict(config), run_dir), sort_keys=False)


def finish_run(trainer: Trainer) -> RunResult:
    """Train, then (unless interrupted) evaluate the final policy and write ``eval.json``."""
    outcome = trainer.run()
    evaluation = None
    if not outcome.interrupted:
        try:
            evaluation = {
                **trainer.evaluate(),
                "env_steps": outcome.env_steps,
                "checkpoint": str(outcome.checkpoint),
                "seed": trainer.config.train.seed,
                "deterministic": trainer.config.eval.deterministic,
                "train_wall_time": round(outcome.wall_time, 3),
            }
            write_eval_json(trainer.run_dir / "eval.json", evaluation)
        except KeyboardInterrupt as stop:  # SIGINT or SIGTERM: the trained policy is saved already
            return RunResult(trainer.run_dir, outcome, None, exit_status(stop))
    return RunResult(trainer.run_dir, outcome, evaluation)


def describe_config(config: RunConfig) -> str:
    """One line naming the env, agent, envs and budget of a run."""
    return (
        f"{config.agent.name} on {config.env.id}: {config.train.total_steps:,} env steps, "
        f"{config.rollout.num_envs} envs, seed {config.train.seed}"
    )


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """The dotted path of the first value that differs between two nested configs (None: equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            found = first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
        return None
    return None if a == b else path


def check_checkpoint_belongs_to_run(
    checkpoint_config: dict[str, Any], run_dir: Path, checkpoint: Path
) -> None:
    """Refuse to resume from a checkpoint of another env or agent than the run's ``config.yaml`` records
    (a ``final.pt`` copied in from another run): it would rewrite the config and append the other run's rows
    to ``metrics.csv``."""
    recorded_file = run_dir / "config.yaml"
    if not recorded_file.is_file():
        return
    try:
        recorded = config_to_dict(
            config_from_dict(resolve_run_config(parse_yaml(recorded_file.read_text()), run_dir))
        )
        recorded = portable_config(recorded, run_dir)
    except RlkitError:
        return  # an unreadable config.yaml is rewritten from the checkpoint, as before
    saved = portable_config(config_to_dict(config_from_dict(checkpoint_config)), run_dir)
    for section in ("env", "agent"):
        key = first_difference(saved[section], recorded[section], section)
        if key is not None:
            raise RlkitError(
                f"cannot resume '{run_dir}': its checkpoint {checkpoint} was trained with "
                f"{key}={_value_at(saved, key)!r}, but the run's config.yaml has "
                f"{key}={_value_at(recorded, key)!r} "
                f"(the checkpoint is from another run; put the run's own checkpoint back or start a new run)"
            )


def _value_at(config: dict[str, Any], key: str) -> Any:
    value: Any = config
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
