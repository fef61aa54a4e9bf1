"""The one function that builds an environment from the ``env`` section of the config.

``env.id`` is a Gymnasium id (``CartPole-v1``), an ``rlkit/...`` id registered by this package, or
``module:Class`` for a user's own env class. Sim2real layers (randomization, sensor and actuator models,
pixels) will be applied here, in one fixed order, so that every backend and every evaluation builds the same
stack from the same config.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from rlkit.config.schema import EnvConfig
from rlkit.errors import RlkitError
from rlkit.registry import import_attr


def make_env(config: EnvConfig, render_mode: str | None = None, check: bool = True) -> gym.Env:
    """Build one environment from ``config``.

    Args:
        config: The ``env`` section.
        render_mode: Passed to the env (``rgb_array`` for videos).
        check: Wrap in Gymnasium's passive env checker, which warns once about an env that breaks the API.
            A vector env checks its first copy only: the others are the same class, and the checker's
            wrapper layer costs time on every step.

    Raises:
        RlkitError: The id is unknown, or the env rejects its keyword arguments.
    """
    kwargs: dict[str, Any] = dict(config.kwargs)
    if render_mode is not None:
        kwargs["render_mode"] = render_mode
    try:
        if ":" in config.id and "/" not in config.id.split(":")[0]:
            env_class = import_attr(config.id, "environment")
            if not (isinstance(env_class, type) and issubclass(env_class, gym.Env)):
                raise RlkitError(f"environment '{config.id}' is not a gymnasium.Env subclass")
            env: gym.Env = env_class(**kwargs)
            if config.max_episode_steps is not None:
                env = gym.wrappers.TimeLimit(env, config.max_episode_steps)
        else:
            env = gym.make(
                config.id, max_episode_steps=config.max_episode_steps, disable_env_checker=not check, **kwargs
            )
    except gym.error.Error as exc:
        raise RlkitError(
            f"unknown environment 'env.id={config.id}' ({exc}); 'rlkit list' shows the known ids"
        ) from None
    except TypeError as exc:
        raise RlkitError(f"environment '{config.id}' rejected env.kwargs {config.kwargs}: {exc}") from None
    return env


def describe_environments() -> list[tuple[str, str]]:
    """``(id, description)`` for every registered environment, rlkit's own first."""
    rows = []
    for env_id, spec in sorted(gym.registry.items()):
        entry = (
            spec.entry_point
            if isinstance(spec.entry_point, str)
            else getattr(spec.entry_point, "__name__", "")
        )
        if entry.startswith("_raise"):  # ids Gymnasium keeps only to explain that they were removed
            continue
        module = entry.split(":")[0]
        if module.startswith("gymnasium.envs."):
            family = module.split(".")[2].replace("_", " ")
            description = f"Gymnasium {family}"
        else:
            description = module
        if spec.max_episode_steps:
            description += f", {spec.max_episode_steps} steps per episode"
        rows.append((env_id, description))
    rows.sort(key=lambda row: (not row[0].startswith("rlkit/"), row[0]))
    return rows
