"""``rlkit export RUN_DIR_OR_CHECKPOINT [--format onnx|torchscript] [--parity-steps N] [--opset K]
[--output-dir D]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from rlkit.cli.eval import positive_int
from rlkit.errors import RlkitError


def add_parser(verbs: argparse._SubParsersAction) -> None:
    parser = verbs.add_parser(
        "export",
        help="export the deterministic policy as ONNX or TorchScript, checked against PyTorch",
        description=(
            "Export the deterministic policy in a checkpoint (or a run directory's latest) as a "
            "self-contained file: observation in (normalization inside), env action out; recurrent "
            "policies take and return their state explicitly. The exported policy is run on recorded "
            "rollouts of the run's env and must choose the PyTorch policy's actions (discrete: identical; "
            "continuous: within 1e-5 per unit of the largest action bound), else nothing is written. "
            "Writes RUN/export/policy.onnx (or policy.pt) and a JSON sidecar describing inputs, outputs and "
            "the parity result."
        ),
    )
    parser.add_argument("target", type=Path, help="run directory or checkpoint file")
    parser.add_argument(
        "--format",
        dest="export_format",
        choices=("onnx", "torchscript"),
        default="onnx",
        help="onnx (run with onnxruntime) or torchscript (torch.jit.load); default: onnx",
    )
    parser.add_argument(
        "--parity-steps",
        type=positive_int,
        default=256,
        help="env steps of recorded rollouts on which the exported policy must match (default: 256)",
    )
    parser.add_argument("--opset", type=positive_int, default=17, help="ONNX opset (default: 17)")
    parser.add_argument("--output-dir", type=Path, help="where to write (default: RUN/export)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Lazy CLI start-up: the parser imports every verb's module; only the verb that runs loads its stack.
    from rlkit.export.policy_export import describe_io, export_policies, parity_line

    if not args.target.exists():
        raise RlkitError(f"'{args.target}' does not exist (give a run directory or a checkpoint file)")
    results = export_policies(
        args.target,
        args.export_format,
        parity_steps=args.parity_steps,
        output_dir=args.output_dir,
        opset=args.opset,
    )
    for result in results:
        whose = f", the policy of agent {result.metadata['agent']}" if "agent" in result.metadata else ""
        print(
            f"{result.metadata['checkpoint']} ({result.metadata['env_steps']:,} training steps, agent "
            f"{result.spec.agent}{whose})"
        )
        for line in describe_io(result.spec):
            print(line)
        print(parity_line(result, args.export_format))
        print(f"wrote {result.path}")
        print(f"wrote {result.sidecar}")
    return 0
