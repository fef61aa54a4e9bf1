"""Config loading: presets, YAML files, typed overrides, and one-line errors naming the key path."""

from pathlib import Path

import pytest
import yaml

from rlkit.agents import AGENTS
from rlkit.agents.dqn import DQNConfig
from rlkit.agents.ppo import PPOConfig
from rlkit.config.loading import (
    apply_overrides,
    config_from_dict,
    dump_yaml,
    load_config,
    load_named_config,
    preset_names,
)
from rlkit.errors import ConfigError


def test_every_preset_loads_and_validates() -> None:
    assert {"cartpole-ppo", "cartpole-dqn", "pendulum-ppo"} <= set(preset_names())
    for name in preset_names():
        config, run_name = load_named_config(name)
        assert run_name == name
        assert config.agent.name in AGENTS


def test_agent_section_is_validated_by_the_selected_agent() -> None:
    ppo = load_config("cartpole-ppo")
    dqn = load_config("cartpole-dqn")
    assert isinstance(ppo.agent, PPOConfig) and ppo.agent.n_steps == 32
    assert isinstance(dqn.agent, DQNConfig) and dqn.agent.gradient_steps == 128


def test_overrides_are_parsed_by_field_type() -> None:
    config = load_config(
        "cartpole-ppo",
        [
            "agent.lr=1e-3",
            "train.total_steps=2e5",
            "train.seed=3",
            "agent.network.hidden_sizes=[32, 16]",
            "train.target_return=null",
            "agent.normalize_observations=true",
        ],
    )
    assert config.agent.lr == pytest.approx(1e-3) and isinstance(config.agent.lr, float)
    assert config.train.total_steps == 200_000 and isinstance(config.train.total_steps, int)
    assert config.train.seed == 3
    assert config.agent.network.hidden_sizes == [32, 16]
    assert config.train.target_return is None
    assert config.agent.normalize_observations is True


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("agent.lr_rate=1e-3", "config key 'agent.lr_rate' is unknown (valid keys: name, network"),
        ("train.total_steps=abc", "config key 'train.total_steps': input should be a valid integer"),
        ("train.total_steps=0", "config key 'train.total_steps': input should be greater than or equal to 1"),
        ("agent.network.activation=sigmoid", "config key 'agent.network.activation': input should be"),
        ("rollout.backend=threads", "config key 'rollout.backend'"),
        (
            "bogus.key=1",
            "config key 'bogus' is unknown "
            "(valid keys: env, agent, rollout, train, eval, log, distill, calibrate, self_play)",
        ),
        ("train.device=tpu", "config key 'train.device': value error, must be auto, cpu, cuda or cuda:N"),
        (
            "agent.name=ddpg",
            f"unknown agent 'ddpg' (known: {', '.join(sorted(AGENTS))}; or give 'module:Class')",
        ),
        ("train.seed", "override 'train.seed' must look like section.key=value"),
    ],
)
def test_bad_overrides_name_the_key_path(override: str, message: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_config("cartpole-ppo", [override])
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_unknown_preset_lists_the_presets() -> None:
    with pytest.raises(ConfigError, match=r"neither a preset nor a YAML file .*cartpole-ppo"):
        load_config("cartpole-pp")


def test_yaml_file_and_resolved_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("agent:\n  name: dqn\n  lr: 5e-4\ntrain:\n  total_steps: 1000\n")
    config, name = load_named_config(str(path))
    assert name == "mine"
    assert config.agent.lr == pytest.approx(5e-4)
    resolved = yaml.safe_load(dump_yaml(config))
    assert resolved["agent"]["buffer_size"] == 1_000_000  # defaults are written out in full
    assert config_from_dict(resolved) == config


def test_invalid_yaml_and_missing_agent(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("agent: [name: ppo\n")
    with pytest.raises(ConfigError, match="is not valid YAML at line"):
        load_config(str(broken))
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="'agent' is required"):
        config_from_dict({"env": {"id": "CartPole-v1"}})


def test_apply_overrides_does_not_mutate_its_input() -> None:
    raw = {"agent": {"name": "ppo"}}
    result = apply_overrides(raw, ["agent.lr=0.1"])
    assert raw == {"agent": {"name": "ppo"}}
    assert result["agent"]["lr"] == 0.1


def test_key_paths_are_written_one_way_and_unknown_task_keys_list_the_valid_ones() -> None:
    balance = ["env.id=rlkit/CartPoleBalance-v0"]
    with pytest.raises(
        ConfigError, match=r"^config key 'env\.task\.bogus' is unknown \(valid keys: frame_skip, "
    ):
        load_config("cartpole-ppo", [*balance, "env.task.bogus=1"])
    with pytest.raises(ConfigError, match=r"^config key 'env\.task\.reward\[0\]\.body' is required$"):
        load_config("cartpole-ppo", [*balance, "env.task.reward=[{term: upright, bodyy: pole}]"])
    with pytest.raises(
        ConfigError, match=r"^config key 'env\.task\.reward\[0\]\.wieght' is unknown \(valid keys: "
    ):
        load_config("cartpole-ppo", [*balance, "env.task.reward=[{term: upright, body: pole, wieght: 2}]"])
