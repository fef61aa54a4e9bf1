"""Robustness sweeps: evaluate one or more trained policies on a grid of fixed perturbations.

``rlkit eval RUN [RUN ...] --sweep SWEEP`` loads a sweep (a YAML file, or a built-in one by name from
:data:`rlkit.config.sweep.BUILTIN_SWEEPS`), evaluates every run on every cell of its grid, and writes
``sweep.json``, ``sweep.md`` and ``sweep.png`` into one output directory. Every cell of every run plays
the same episodes (the same seeds), so differences between cells and between runs come from the
perturbation and the policy, not from the luck of the draw. What a cell's world is exactly is documented in
:mod:`rlkit.evaluate.sweep_world`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rlkit.config.loading import parse_yaml, validate_model
from rlkit.config.schema import EnvConfig
from rlkit.config.sweep import BUILTIN_SWEEPS, SweepAxis, SweepConfig
from rlkit.envs.factory import make_env
from rlkit.errors import ConfigError, RlkitError
from rlkit.evaluate.checkpoint_eval import restore_agent, run_dir_of
from rlkit.evaluate.evaluator import COMMAND_METRICS, EVAL_SEED_OFFSET, evaluate_policy
from rlkit.evaluate.sweep_plot import render_sweep_png
from rlkit.evaluate.sweep_result import Cell, RunSweep, SweepResult, kept_fraction
from rlkit.evaluate.sweep_table import sweep_markdown
from rlkit.evaluate.sweep_world import nominal_env_config, perturbed_env_config, root_body
from rlkit.files import atomic_write_bytes
from rlkit.policy import Policy


def load_sweep(source: str) -> SweepConfig:
    """A sweep from a YAML path or a built-in name; its ``name`` defaults to the file's stem.

    Raises:
        ConfigError: The file is missing or not YAML, or a key is unknown or invalid (the message names the
            key and what would be valid).
    """
    path = Path(source)
    if source in BUILTIN_SWEEPS and not path.exists():
        raw: Any = {"name": source, **BUILTIN_SWEEPS[source][1]}
    elif path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ConfigError(f"sweep file '{source}' does not exist")
        try:
            raw = parse_yaml(path.read_text())
        except Exception as exc:  # yaml.YAMLError and its kin: one line naming the file
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(f"sweep '{source}' is not valid YAML: {first}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"sweep '{source}' must be a mapping with 'axes' (and 'episodes', 'baseline')")
        raw.setdefault("name", path.stem)
    else:
        known = ", ".join(BUILTIN_SWEEPS)
        raise ConfigError(f"sweep '{source}' is neither a YAML file nor a built-in sweep ({known})")
    try:
        return validate_model(SweepConfig, raw)
    except ConfigError as exc:
        raise ConfigError(f"sweep '{source}': {exc}") from None


def run_labels(targets: Sequence[Path]) -> list[str]:
    """A short, distinct label per target: its run directory's name, else the path as given."""
    names = [run_dir_of(t).name if t.is_file() else t.name for t in targets]
    if len(set(names)) == len(names):
        return names
    return [str(t) for t in targets]


def run_sweep(
    targets: Sequence[Path],
    sweep: SweepConfig,
    episodes: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    on_cell: Callable[[str, dict[str, float], Cell], None] | None = None,
) -> SweepResult:
    """Evaluate every run in ``targets`` on every cell of ``sweep``.

    Args:
        targets: Run directories or checkpoint files.
        sweep: The grid.
        episodes: Episodes per cell (default: the sweep's ``episodes``).
        seed: First evaluation seed, the same for every cell and run (default: the evaluation offset,
            1,000,000).
        overrides: ``env.*`` overrides of every run's config, applied before the baseline.
        on_cell: Called after each cell with the run's label, the cell's values and its summary.

    Raises:
        RlkitError: A target is missing or not a checkpoint, an override is not ``env.*``, or a perturbation
            does not fit a run's env (no pixels, not MuJoCo, an observation that would change size).
    """
    for override in overrides:
        if override.split(".", 1)[0] != "env":
            raise ConfigError(f"override '{override}': rlkit eval --sweep takes env.* overrides only")
    for target in targets:
        if not target.exists():
            raise RlkitError(f"'{target}' does not exist (give run directories or checkpoint files)")
    episodes = episodes or sweep.episodes
    seed = EVAL_SEED_OFFSET if seed is None else seed
    grid = list(itertools.product(*(axis.values for axis in sweep.axes)))
    nominal_values = tuple(axis.nominal for axis in sweep.axes)
    names = [axis.perturbation for axis in sweep.axes]
    runs = []
    for label, target in zip(run_labels(targets), targets, strict=True):
        restored = restore_agent(target, overrides)
        config = restored.config
        base = nominal_env_config(config.env) if sweep.baseline == "nominal" else config.env
        body = root_body(base) if {"push_force", "payload_mass"} & set(names) else None
        policy = restored.agent.make_policy(deterministic=config.eval.deterministic)

        # The nominal cell is evaluated last when the grid lacks it: every kept share is relative to it.
        extra = [] if nominal_values in grid else [nominal_values]
        cells = []
        for values in [*grid, *extra]:
            cell = _evaluate_cell(policy, base, sweep.axes, values, body, episodes, seed, label, config.env)
            if on_cell is not None:
                on_cell(label, dict(zip(names, values, strict=True)), cell)
            cells.append(cell)
        nominal = cells.pop() if extra else cells[grid.index(nominal_values)]
        run = RunSweep(
            label=label,
            checkpoint=str(restored.checkpoint),
            env_steps=int(restored.payload.get("env_steps", 0)),
            nominal=nominal,
            cells=cells,
        )
        for cell in run.cells:
            cell["kept"] = kept_fraction(cell["mean_return"], run.nominal["mean_return"])
        runs.append(run)
    return SweepResult(sweep, seed, episodes, runs)


def _evaluate_cell(
    policy: Policy,
    base: EnvConfig,
    axes: Sequence[SweepAxis],
    values: tuple[float, ...],
    body: str | None,
    episodes: int,
    seed: int,
    label: str,
    trained: EnvConfig,
) -> Cell:
    """One cell: the policy on ``base`` with each axis perturbed to its value in ``values``."""
    try:
        env = perturbed_env_config(base, axes, values, body)
    except RlkitError as exc:
        raise RlkitError(f"run '{label}': {exc}") from None
    _check_observation_space(trained, env, label)
    summary = evaluate_policy(policy, env, episodes, seed).summary()
    return {
        **{axis.perturbation: value for axis, value in zip(axes, values, strict=True)},
        "mean_return": summary["mean_return"],
        "std_return": summary["std_return"],
        "mean_length": summary["mean_length"],
        "episodes": summary["episodes"],
        # a task with velocity commands: how well it tracks them, and how often it falls
        **{key: summary[key] for key in COMMAND_METRICS if key in summary},
    }


def _check_observation_space(trained: EnvConfig, perturbed: EnvConfig, label: str) -> None:
    """A policy that observes its sampled physics would see a different-sized observation: say so."""
    randomization = trained.randomization
    if not (randomization.observe_parameters or randomization.privileged_observation):
        return
    spaces = []
    for env_config in (trained, perturbed):
        env = make_env(env_config, check=False)
        spaces.append(env.observation_space)
        env.close()
    if spaces[0] != spaces[1]:
        raise RlkitError(
            f"run '{label}' observes its sampled physics, and this sweep changes which values are sampled "
            f"(the observation {spaces[0]} would become {spaces[1]}); sweep parameters it randomizes over "
            "all elements, or use 'baseline: training'"
        )


def write_sweep(result: SweepResult, output: Path) -> list[Path]:
    """Write ``sweep.json``, ``sweep.md`` and ``sweep.png`` into ``output``, each atomically.

    All three are rendered before the first is written, so an error leaves nothing half-written.
    """
    files = {
        "sweep.json": (json.dumps(result.to_json(), indent=2) + "\n").encode(),
        "sweep.md": sweep_markdown(result).encode(),
        "sweep.png": render_sweep_png(result),
    }
    for name, data in files.items():
        atomic_write_bytes(output / name, data)
    return [output / name for name in files]
