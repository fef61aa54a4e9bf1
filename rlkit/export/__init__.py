"""Export a trained policy as a self-contained ONNX or TorchScript file, checked against the PyTorch policy.

``rlkit export RUN --format onnx|torchscript`` writes ``RUN/export/policy.onnx`` (or ``policy.pt``) and a JSON
sidecar; see :func:`rlkit.export.policy_export.export_policy`. The policy is the agent's own
:meth:`~rlkit.agents.base.Agent.deployable_policy` (built from :mod:`rlkit.nn.deploy`): export knows no agent
family, so a user's agent that implements the method exports as the built-in ones do.
"""
