"""Agents describe themselves: every built-in agent family builds its deployable policy through the one method
of the agent contract, ``Agent.deployable_policy()``, and export and distillation only ask for it (no
per-agent branch): a user's agent that implements the method exports through ``rlkit export`` unchanged."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

import rlkit.distill
import rlkit.export
from rlkit.agent_registry import AGENTS
from rlkit.agents.base import Agent
from rlkit.agents.sb3 import Sb3Agent
from rlkit.config.loading import load_config
from rlkit.errors import RlkitError
from rlkit.export.policy_export import export_policy
from rlkit.nn.deploy import DeployablePolicy, TrainablePolicy
from rlkit.runs.build import build_agent
from rlkit.training.trainer import Trainer
from tests.export.user_agent import NAME, LinearArgmax

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "train.torch_threads=1"]
BOX = gym.spaces.Box(-3.0, 3.0, (4,), np.float32)
BOUNDED = gym.spaces.Box(-2.0, 2.0, (1,), np.float32)

#: Every built-in agent: (preset, action space, family, whether distillation can fit its policy).
FAMILIES = {
    "ppo": ("cartpole-ppo", gym.spaces.Discrete(2), "actor_critic", True),
    "a2c": ("cartpole-a2c", BOUNDED, "actor_critic", True),
    "reinforce": ("cartpole-reinforce", gym.spaces.Discrete(3), "actor_critic", True),
    "recurrent_ppo": ("cartpole-recurrent-ppo", BOUNDED, "recurrent_actor_critic", False),
    "dqn": ("cartpole-rainbow", gym.spaces.Discrete(2), "dqn", False),
    "r2d2": ("cartpole-r2d2", gym.spaces.Discrete(2), "r2d2", False),
    "sac": ("pendulum-sac", BOUNDED, "off_policy_actor", False),
    "td3": ("pendulum-td3", BOUNDED, "off_policy_actor", False),
    # rlkit distill writes an rma student's section from its teacher's: a PPO base; 2 readings of 2 values
    "rma": (
        {"agent": {"name": "rma", "base": {"name": "ppo"}, "parameters": ["mass"], "history": 2}},
        BOUNDED,
        "rma",
        False,
    ),
}


def test_the_families_cover_every_built_in_agent() -> None:
    assert set(FAMILIES) == set(AGENTS)
    # SB3's policies are SB3's own: its agents keep the contract's refusal
    assert Sb3Agent.deployable_policy is Agent.deployable_policy


@pytest.mark.parametrize("name", list(FAMILIES))
def test_each_built_in_agent_returns_its_deployable_policy(name: str) -> None:
    preset, action_space, family, trainable = FAMILIES[name]
    config = load_config(preset, [*QUIET, "rollout.num_envs=2"])
    torch.manual_seed(0)
    agent = build_agent(config, BOX, action_space, torch.device("cpu"))
    assert type(agent).deployable_policy is not Agent.deployable_policy  # the family's own
    deployable = agent.deployable_policy()
    assert isinstance(deployable, DeployablePolicy)
    spec = deployable.spec
    assert (spec.family, spec.agent, spec.observation_shape) == (family, name, (4,))
    assert spec.recurrent == (family in ("recurrent_actor_critic", "r2d2"))

    # a frozen copy: eval mode, no gradients, and no tensor shared with the agent's live networks
    module = deployable.module
    assert not module.training and not any(p.requires_grad for p in module.parameters())
    networks = [value for value in vars(agent).values() if isinstance(value, torch.nn.Module)]
    live = {p.data_ptr() for network in networks for p in network.parameters()}
    assert live and not live & {p.data_ptr() for p in module.parameters()}

    # it chooses the deterministic policy's actions (at an episode's first step, for a recurrent one)
    obs = np.random.default_rng(1).uniform(-3, 3, (16, 4)).astype(np.float32)
    expected = agent.make_policy(deterministic=True)(obs, np.ones(len(obs), dtype=bool))
    inputs = list(deployable.example_inputs(len(obs)))
    inputs[0] = torch.as_tensor(obs)
    with torch.no_grad():
        out = module(*inputs)
    actions = (out[0] if spec.recurrent else out).numpy()
    np.testing.assert_allclose(actions, expected, atol=1e-6)

    # the actor-critic agents hand their live network and optimizer to distillation; the others none
    assert (deployable.trainable is not None) == trainable
    if deployable.trainable is not None:
        assert isinstance(deployable.trainable, TrainablePolicy)
        network_parameters = {p.data_ptr() for p in deployable.trainable.network.parameters()}
        assert network_parameters <= live
        assert {p.data_ptr() for g in deployable.trainable.optimizer.param_groups for p in g["params"]} == (
            network_parameters
        )


def user_run(tmp_path: Path, agent_name: str) -> Path:
    """A tiny CartPole run of a user's agent (``module:Class``)."""
    raw = {"env": {"id": "CartPole-v1"}, "agent": {"name": agent_name}, "rollout": {"num_envs": 2}}
    config = load_config(raw, [*QUIET, "train.total_steps=16"])
    run_dir = tmp_path / "user"
    Trainer(config, run_dir).run()
    return run_dir


def test_a_user_agent_exports_through_its_own_method(tmp_path: Path) -> None:
    """rlkit.export knows no agent family: a family it has never heard of exports, with parity."""
    run_dir = user_run(tmp_path, NAME)
    for fmt in ("onnx", "torchscript"):
        result = export_policy(run_dir, fmt, parity_steps=32)
        assert result.parity.passed and result.parity.mismatches == 0
        sidecar = json.loads(result.sidecar.read_text())
        assert (sidecar["family"], sidecar["agent"]) == ("linear_argmax", NAME)
        assert sidecar["inputs"]["obs"]["shape"] == ["batch", 4] and not sidecar["recurrent"]
        assert sidecar["action_space"] == {"type": "discrete", "n": 2, "start": 0}


def test_an_agent_without_a_deployable_policy_is_named_in_one_error(tmp_path: Path) -> None:
    name = "tests.export.user_agent:OpaqueAgent"
    run_dir = user_run(tmp_path, name)
    with pytest.raises(RlkitError, match=f"agent '{name}' cannot be exported") as raised:
        export_policy(run_dir, "onnx", parity_steps=8)
    assert len(str(raised.value).splitlines()) == 1
    assert not (run_dir / "export").exists()


def test_the_user_agent_module_is_the_users_own() -> None:
    config = load_config({"env": {"id": "CartPole-v1"}, "agent": {"name": NAME}}, QUIET)
    agent = build_agent(config, BOX, gym.spaces.Discrete(2), torch.device("cpu"))
    assert isinstance(agent.deployable_policy().module, LinearArgmax)


def _imports(path: Path) -> list[tuple[list[str], bool]]:
    """The modules each import statement of ``path`` names, and whether it is at the module's top level."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.append(([alias.name for alias in node.names], node in tree.body))
        elif isinstance(node, ast.ImportFrom):
            found.append(([node.module or ""], node in tree.body))
    return found


@pytest.mark.parametrize("package", [rlkit.export, rlkit.distill], ids=["export", "distill"])
def test_export_and_distill_ask_the_agent_and_import_no_agent(package: object) -> None:
    """No import of an agent module (so no isinstance chain over agent classes), and no import inside a
    function except the optional ONNX packages."""
    paths = sorted(Path(package.__file__).parent.glob("*.py"))  # type: ignore[attr-defined]
    assert len(paths) > 2
    for path in paths:
        for names, top_level in _imports(path):
            assert not [name for name in names if name.startswith("rlkit.agents")], f"{path.name}: {names}"
            assert top_level or set(names) <= {"onnx", "onnxruntime"}, f"{path.name}: {names} in a function"
