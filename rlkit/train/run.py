"""Starting, resuming and finishing a training run in its run directory."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlkit.config.loading import apply_overrides, config_from_dict, dump_yaml, load_config
from rlkit.config.schema import RunConfig
from rlkit.errors import RlkitError
from rlkit.evaluate.evaluator import write_eval_json
from rlkit.train.checkpoint import atomic_write_text, load_checkpoint, resolve_checkpoint
from rlkit.train.trainer import Trainer, TrainingOutcome


@dataclass(frozen=True)
class RunResult:
    """What ``rlkit train`` reports at the end."""

    run_dir: Path
    outcome: TrainingOutcome
    evaluation: dict[str, Any] | None


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
    config, name = load_config(source, overrides)
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
            atomic_write_text(run_dir / "config.yaml", dump_yaml(config))
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
    payload = load_checkpoint(resolve_checkpoint(run_dir))
    config = config_from_dict(apply_overrides(payload["config"], overrides))
    trainer = Trainer(config, run_dir, resume=payload)
    try:
        atomic_write_text(run_dir / "config.yaml", dump_yaml(config))
    except RlkitError:
        trainer.env.close()
        raise
    return trainer


def finish_run(trainer: Trainer) -> RunResult:
    """Train, then (unless interrupted) evaluate the final policy and write ``eval.json``."""
    outcome = trainer.run()
    evaluation = None
    if not outcome.interrupted:
        evaluation = {
            **trainer.evaluate(),
            "env_steps": outcome.env_steps,
            "checkpoint": str(outcome.checkpoint),
            "seed": trainer.config.train.seed,
            "deterministic": trainer.config.eval.deterministic,
            "train_wall_time": round(outcome.wall_time, 3),
        }
        write_eval_json(trainer.run_dir / "eval.json", evaluation)
    return RunResult(trainer.run_dir, outcome, evaluation)


def describe_config(config: RunConfig) -> str:
    """One line naming the env, agent, envs and budget of a run."""
    return (
        f"{config.agent.name} on {config.env.id}: {config.train.total_steps:,} env steps, "
        f"{config.rollout.num_envs} envs, seed {config.train.seed}"
    )
