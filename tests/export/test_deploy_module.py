"""The deployable module of a pixel policy trained with ``normalize_observations``: the env's uint8 images go
in, and the CNN scales them once to [0, 1], as in training (no running normalization of pixels)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.config.loading import load_config
from rlkit.export.onnx_export import OnnxRunner, export_onnx
from rlkit.export.torchscript_export import TorchScriptRunner, export_torchscript
from rlkit.runs.build import build_agent

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "train.torch_threads=1"]
PIXELS = gym.spaces.Box(0, 255, (9, 36, 36), np.uint8)


@pytest.mark.parametrize(
    ("preset", "overrides"),
    [
        ("cartpole-balance-pixels-ppo", []),
        (
            "cartpole-balance-pixels-ppo",
            ["agent.name=recurrent_ppo", "agent.sequence_length=8", "agent.network.shared_encoder=false"],
        ),
    ],
    ids=["ppo", "recurrent_ppo"],
)
def test_a_normalized_pixel_policy_exports_pixels_scaled_once(preset: str, overrides: list[str]) -> None:
    config = load_config(preset, [*QUIET, "agent.normalize_observations=true", *overrides])
    torch.manual_seed(0)
    agent = build_agent(config, PIXELS, gym.spaces.Box(-1.0, 1.0, (1,), np.float32), torch.device("cpu"))
    deployable = agent.deployable_policy()
    assert deployable.spec.observation_dtype == "uint8"
    assert not deployable.module.preprocess.normalize

    seen: list[torch.Tensor] = []
    first_conv = next(m for m in deployable.module.modules() if isinstance(m, torch.nn.Conv2d))
    first_conv.register_forward_pre_hook(lambda module, inputs: seen.append(inputs[0].detach().clone()))
    obs = np.random.default_rng(0).integers(0, 256, (4, *PIXELS.shape), dtype=np.uint8)
    inputs = (torch.as_tensor(obs), *deployable.example_inputs(4)[1:])
    with torch.no_grad():
        deployable.module(*inputs)
    pixels = seen[0]
    assert pixels.min() >= 0.0 and pixels.max() <= 1.0
    assert pixels.max() > 0.9  # scaled once by the CNN, not standardized first

    # The exported graphs act as the agent does (deterministic actions at the first step of an episode).
    expected = agent.make_policy(deterministic=True)(obs, np.ones(len(obs), dtype=bool))
    arrays = [tensor.numpy() for tensor in inputs]
    onnx_actions = OnnxRunner(export_onnx(deployable, {}))(*arrays)[0]
    script_actions = TorchScriptRunner(export_torchscript(deployable, {}))(*arrays)[0]
    np.testing.assert_allclose(onnx_actions, expected, atol=1e-5)
    np.testing.assert_allclose(script_actions, expected, atol=1e-5)
