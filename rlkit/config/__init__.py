"""The typed run configuration (:mod:`rlkit.config.schema`) and loading it from a preset, a YAML file or a
mapping, with ``dotted.key=value`` overrides (:mod:`rlkit.config.loading`)."""

from rlkit.config.loading import ConfigSource, config_to_dict, load_config, preset_names
from rlkit.config.schema import (
    AgentConfig,
    EnvConfig,
    EvalConfig,
    LogConfig,
    RolloutConfig,
    RunConfig,
    TrainConfig,
)

__all__ = [
    "AgentConfig",
    "ConfigSource",
    "EnvConfig",
    "EvalConfig",
    "LogConfig",
    "RolloutConfig",
    "RunConfig",
    "TrainConfig",
    "config_to_dict",
    "load_config",
    "preset_names",
]
