"""ONNX export of a deployable policy (TorchScript-based exporter), checked by ``onnx.checker``, and running
it with onnxruntime.

The legacy (``dynamo=False``) exporter is used: it traces the module, handles ``nn.LSTM``/``nn.GRU`` and the
policy's Python-level distributions without graph breaks, and gives stable input and output names with a
dynamic batch axis. The description of the policy (shapes, dtypes, recurrent state, reset rule) is stored in
the model's ``metadata_props`` under :data:`METADATA_KEY`.
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

#: Default ONNX opset (onnxruntime 1.16+ runs it; LSTM/GRU are covered since opset 14).
DEFAULT_OPSET = 17
#: The key of the JSON description in the model's ``metadata_props``.
METADATA_KEY = "rlkit_export"


def export_onnx(policy: DeployablePolicy, metadata: dict[str, Any], opset: int = DEFAULT_OPSET) -> bytes:
    """The ONNX model of ``policy`` as bytes, with ``metadata`` (JSON) in its ``metadata_props``.

    Raises:
        RlkitError: The exporter or the ONNX checker rejected the model.
    """
    import onnx  # an optional dependency by rlkit's rules: only ONNX export and reading load it

    spec = policy.spec
    dynamic_axes: dict[str, dict[int, str]] = {"obs": {0: "batch"}, "action": {0: "batch"}}
    for state in spec.states:
        dynamic_axes[state.name] = {1: "batch"}
        dynamic_axes[state.output_name] = {1: "batch"}
    if spec.recurrent:
        dynamic_axes["episode_start"] = {0: "batch"}
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # deprecation and tracer notes, not problems of this model
            torch.onnx.export(
                policy.module,
                policy.example_inputs(),
                # torch types f as a path, but the TorchScript exporter (dynamo=False) writes to any binary
                # file object, as torch's own call into it does (with its own type: ignore)
                buffer,  # type: ignore[arg-type]
                input_names=spec.input_names,
                output_names=spec.output_names,
                dynamic_axes=dynamic_axes,
                opset_version=opset,
                dynamo=False,
            )
        model = onnx.load_from_string(buffer.getvalue())
        entry = model.metadata_props.add()
        entry.key, entry.value = METADATA_KEY, json.dumps(metadata)
        model.producer_name = "rlkit"
        onnx.checker.check_model(model, full_check=True)
    except Exception as exc:  # the exporter and checker raise many types
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RlkitError(f"ONNX export of agent '{spec.agent}' failed: {reason[:200]}") from None
    return model.SerializeToString()


def read_onnx_metadata(model: bytes | str) -> dict[str, Any]:
    """The export description stored in an rlkit ONNX file (bytes or a path)."""
    import onnx  # an optional dependency by rlkit's rules: only ONNX export and reading load it

    loaded = onnx.load_from_string(model) if isinstance(model, bytes) else onnx.load(model)
    for entry in loaded.metadata_props:
        if entry.key == METADATA_KEY:
            return json.loads(entry.value)
    raise RlkitError("the ONNX model has no rlkit export metadata")


class OnnxRunner:
    """Runs an exported policy with onnxruntime (CPU, one thread): numpy inputs in the order of
    ``input_names``, numpy outputs in the order of ``output_names``."""

    def __init__(self, model: bytes | str, threads: int = 1) -> None:
        import onnxruntime as ort  # optional, as onnx: only running an ONNX policy loads it

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self.input_names = [node.name for node in self.session.get_inputs()]

    def __call__(self, *inputs: np.ndarray) -> Sequence[np.ndarray]:
        return self.session.run(None, dict(zip(self.input_names, inputs, strict=True)))
