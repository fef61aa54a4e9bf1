"""``rlkit export``: rebuild a policy from a checkpoint, export it, check parity, then write it atomically.

Nothing is written unless the export succeeded and the exported policy's actions matched the PyTorch policy's
on recorded rollouts: ``RUN/export/policy.onnx`` (or ``policy.pt``) and its JSON sidecar
(``policy.onnx.json`` / ``policy.pt.json``), each through a temp file and a rename.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rlkit.envs import make_env
from rlkit.errors import RlkitError
from rlkit.evaluate.checkpoint_eval import restore_agent, run_dir_of
from rlkit.export.onnx_export import DEFAULT_OPSET, OnnxRunner, export_onnx
from rlkit.export.parity import ParityResult, check_parity, record_rollout
from rlkit.export.robot_interface import robot_interface
from rlkit.export.torchscript_export import TorchScriptRunner, export_torchscript
from rlkit.files import atomic_write_bytes, atomic_write_text
from rlkit.nn.deploy import DeploySpec

ExportFormat = Literal["onnx", "torchscript"]
FORMATS: tuple[str, ...] = ("onnx", "torchscript")
FILE_NAMES = {"onnx": "policy.onnx", "torchscript": "policy.pt"}
RUNTIMES = {"onnx": "onnxruntime", "torchscript": "torch.jit"}
#: Offset of the parity rollouts' seeds from the training seed: episodes training never saw.
PARITY_SEED_OFFSET = 2_000_000
DEFAULT_PARITY_STEPS = 256


@dataclass(frozen=True)
class ExportResult:
    """Where the exported policy and its sidecar went, what they take and return, and the parity check."""

    path: Path
    sidecar: Path
    spec: DeploySpec
    parity: ParityResult
    metadata: dict[str, Any]


def export_policy(
    target: str | Path,
    export_format: str = "onnx",
    parity_steps: int = DEFAULT_PARITY_STEPS,
    output_dir: Path | None = None,
    opset: int = DEFAULT_OPSET,
    seed: int | None = None,
) -> ExportResult:
    """Export the deterministic policy in a checkpoint (or a run directory's latest): the one policy of a
    run (:func:`export_policies` exports each of a run with a policy per agent).

    Args:
        target: A run directory or a checkpoint file.
        export_format: ``onnx`` or ``torchscript``.
        parity_steps: Env steps of the parity rollouts (at least 1).
        output_dir: Where to write (default: ``RUN/export``).
        opset: ONNX opset.
        seed: First seed of the parity rollouts (default: training seed + :data:`PARITY_SEED_OFFSET`).

    Raises:
        RlkitError: Unknown format, a missing or corrupt checkpoint, an agent that cannot be exported, an
            export that failed, or a parity check that failed (nothing is written then).
    """
    results = export_policies(target, export_format, parity_steps, output_dir, opset, seed)
    if len(results) != 1:
        raise RlkitError(
            f"the run has {len(results)} policies (one per agent): export them with export_policies"
        )
    return results[0]


def export_policies(
    target: str | Path,
    export_format: str = "onnx",
    parity_steps: int = DEFAULT_PARITY_STEPS,
    output_dir: Path | None = None,
    opset: int = DEFAULT_OPSET,
    seed: int | None = None,
) -> list[ExportResult]:
    """Export every deterministic policy in a checkpoint: its one policy (``policy.onnx``), or a policy per
    agent of a game (``env.agents.parameter_sharing`` off: ``policy_<agent>.onnx``), each checked against
    PyTorch on its own agent's steps of the same parity rollouts. Nothing is written unless every one
    passes. Arguments and errors as :func:`export_policy`'s."""
    if export_format not in FORMATS:
        raise RlkitError(f"unknown export format '{export_format}'; valid formats are: {', '.join(FORMATS)}")
    if parity_steps < 1:
        raise RlkitError(f"parity steps must be at least 1, got {parity_steps}")
    restored = restore_agent(target)
    config, agent = restored.config, restored.agent
    policies = agent.policies  # one, or one per agent of a game ("": a run's one policy)
    # each agent builds its own deployable policy: export knows no agent family
    deployables = {name: one.deployable_policy() for name, one in policies.items()}
    env = make_env(config.env)
    try:
        interface = robot_interface(env)
        first_seed = config.train.seed + PARITY_SEED_OFFSET if seed is None else seed
        recording = record_rollout(
            agent.make_policy(deterministic=True), env, parity_steps, first_seed, config.env.agents.agent_id
        )
    finally:
        env.close()
    directory = output_dir if output_dir is not None else run_dir_of(restored.checkpoint) / "export"
    exported: list[tuple[ExportResult, bytes]] = []
    for index, (name, deployable) in enumerate(deployables.items()):
        spec = deployable.spec
        metadata: dict[str, Any] = {
            "format": export_format,
            **spec.describe(),
            "env_id": str(config.env.id),
            "checkpoint": str(restored.checkpoint),
            "env_steps": int(restored.payload.get("env_steps", 0)),
        }
        if name:
            metadata["agent"] = name
        if export_format == "onnx":
            metadata["opset"] = opset
            data = export_onnx(deployable, metadata, opset)
            runner: Any = OnnxRunner(data)
        else:
            data = export_torchscript(deployable, metadata)
            runner = TorchScriptRunner(data)
        # a game's rows come a step at a time, its agents in order: this agent's are every len(...)-th
        own = recording if not name else recording.rows(index)
        parity = check_parity(runner, spec, own)
        if not parity.passed:
            whose = f" of agent {name}" if name else ""
            raise RlkitError(
                f"exported policy{whose} does not match the PyTorch policy, nothing written: "
                + parity.line(RUNTIMES[export_format])
            )
        file_name = FILE_NAMES[export_format]
        path = directory / (
            file_name if not name else f"{Path(file_name).stem}_{name}{Path(file_name).suffix}"
        )
        sidecar = path.with_name(path.name + ".json")
        metadata = {**metadata, **interface, "file": path.name, "parity": parity.as_dict()}
        exported.append((ExportResult(path, sidecar, spec, parity, metadata), data))
    for result, data in exported:
        atomic_write_bytes(result.path, data)
        atomic_write_text(result.sidecar, json.dumps(result.metadata, indent=2) + "\n")
    return [result for result, _ in exported]


def describe_io(spec: DeploySpec) -> list[str]:
    """Lines describing the exported policy's inputs and outputs, and (recurrent) the reset rule."""
    described = spec.describe()
    lines = []
    for kind in ("inputs", "outputs"):
        parts = [
            f"{name} {info['dtype']}[{', '.join(str(d) for d in info['shape'])}]"
            for name, info in described[kind].items()
        ]
        lines.append(f"{kind}: {', '.join(parts)}")
    if spec.recurrent:
        lines.append(f"state: {described['reset_rule']}")
    return lines


def parity_line(result: ExportResult, export_format: str) -> str:
    """The parity check's one line for the CLI, naming the runtime of ``export_format``."""
    return result.parity.line(RUNTIMES[export_format])


__all__: Sequence[str] = (
    "FORMATS",
    "ExportResult",
    "describe_io",
    "export_policies",
    "export_policy",
    "parity_line",
)
