"""TorchScript export of a deployable policy (``torch.jit.trace``), and running it with ``torch.jit.load``.

Tracing records the deterministic path of the module with a batch of 2 zero inputs; every operation in it
(encoders, heads, the LSTM/GRU step, action mapping) is shape-generic, so the traced module accepts any
batch size. The description of the policy is saved inside the archive as the extra file
:data:`METADATA_FILE` (``torch.jit.load(path, _extra_files={METADATA_FILE: ""})`` reads it back).
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from rlkit.errors import RlkitError
from rlkit.nn.deploy import DeployablePolicy

#: The name of the JSON description inside the TorchScript archive.
METADATA_FILE = "rlkit_export.json"


def export_torchscript(policy: DeployablePolicy, metadata: dict[str, Any]) -> bytes:
    """The TorchScript archive of ``policy`` as bytes, with ``metadata`` saved as :data:`METADATA_FILE`.

    Raises:
        RlkitError: Tracing failed.
    """
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # deprecation and tracer notes, not problems of this model
            traced = torch.jit.trace(policy.module, policy.example_inputs(), check_trace=False)
            torch.jit.save(traced, buffer, _extra_files={METADATA_FILE: json.dumps(metadata)})
    except Exception as exc:  # tracing raises many types
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RlkitError(
            f"TorchScript export of agent '{policy.spec.agent}' failed: {reason[:200]}"
        ) from None
    return buffer.getvalue()


def read_torchscript_metadata(archive: bytes | str) -> dict[str, Any]:
    """The export description stored in an rlkit TorchScript archive (bytes or a path)."""
    extra = {METADATA_FILE: ""}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.load(io.BytesIO(archive) if isinstance(archive, bytes) else archive, _extra_files=extra)
    if not extra[METADATA_FILE]:
        raise RlkitError("the TorchScript archive has no rlkit export metadata")
    return json.loads(extra[METADATA_FILE])


class TorchScriptRunner:
    """Runs an exported TorchScript policy: numpy inputs in, numpy outputs out (the order of the spec)."""

    def __init__(self, archive: bytes | str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            source = io.BytesIO(archive) if isinstance(archive, bytes) else archive
            self.module = torch.jit.load(source, map_location="cpu")
        self.module.eval()

    @torch.no_grad()
    def __call__(self, *inputs: np.ndarray) -> Sequence[np.ndarray]:
        out = self.module(*(torch.from_numpy(np.ascontiguousarray(x)) for x in inputs))
        outputs = out if isinstance(out, tuple | list) else (out,)
        return [tensor.numpy() for tensor in outputs]
