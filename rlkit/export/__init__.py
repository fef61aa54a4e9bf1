"""Export a trained policy as a self-contained ONNX or TorchScript file, checked against the PyTorch policy.

``rlkit export RUN --format onnx|torchscript`` writes ``RUN/export/policy.onnx`` (or ``policy.pt``) and a JSON
sidecar; see :func:`rlkit.export.policy_export.export_policy`.
"""
