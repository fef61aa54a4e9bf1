"""Which ``env`` settings the ``batched`` backend runs yet: the task with its sensor and actuator models
(``env.sensors``, ``env.actuators``) and its physics randomization, pushes, observed samples and curriculum
(``env.randomization``), no other sim2real layer."""

from __future__ import annotations

from pydantic import BaseModel

from rlkit.config.schema import EnvConfig
from rlkit.errors import ConfigError

#: The ``env`` sections that add a layer the batched backend has no array form of yet.
LAYER_SECTIONS = (
    "discrete_actions",
    "pixels",
    "camera",
    "visual_randomization",
    "frame_stack",
)


def first_layer_setting(config: EnvConfig) -> str | None:
    """The config key of the first sim2real layer ``config`` sets (``env.sensors.models``), or None."""
    default = EnvConfig(id=config.id)
    for section in LAYER_SECTIONS:
        value, nominal = getattr(config, section), getattr(default, section)
        if value == nominal:
            continue
        if isinstance(value, BaseModel) and isinstance(nominal, BaseModel):
            for field in type(value).model_fields:
                if getattr(value, field) != getattr(nominal, field):
                    return f"env.{section}.{field}"
        return f"env.{section}"
    return None


def check_batchable(config: EnvConfig) -> None:
    """Fail in one line naming the first setting the batched backend cannot run yet.

    Raises:
        ConfigError: ``config`` sets a sim2real layer other than sensor and actuator models and physics
            randomization (pixels, visual randomization, ...).
    """
    key = first_layer_setting(config)
    if key is not None:
        raise ConfigError(
            f"{key} is not supported by rollout.backend batched yet (it runs the task with its sensor and "
            "actuator models and physics randomization only); use rollout.backend sync"
        )
