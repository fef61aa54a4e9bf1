"""Whether the env asked for at evaluation can stand in for the one a checkpoint was trained on.

``rlkit eval RUN env.id=...`` evaluates a policy on another env, e.g. ``CartPole-v0`` for a ``CartPole-v1``
run. The policy can act there only if that env has the trained observation and action spaces (their shapes:
bounds may differ), and only if it takes the run's other env settings (an MJCF robot's ``env.task``). When it
does not, :func:`eval_env_spaces` says so in one sentence naming both envs and what would be valid, before
the networks are built, instead of an error from deep inside the env or a tensor shape.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym

from rlkit.config.schema import EnvConfig
from rlkit.errors import EnvArgumentsError, RlkitError
from rlkit.rollout.vector_env import make_vector_env
from rlkit.runs.model_files import is_model_path


def space_text(space: gym.Space) -> str:
    """A space by its kind and shape, bounds left out: ``Box(4,)``, ``Discrete(2)``, ``Dict(a: Box(3,))``."""
    if isinstance(space, gym.spaces.Box):
        return f"Box{space.shape}"
    if isinstance(space, gym.spaces.Discrete):
        return f"Discrete({int(space.n)})"
    if isinstance(space, gym.spaces.MultiDiscrete):
        return f"MultiDiscrete({[int(n) for n in space.nvec.flat]})"
    if isinstance(space, gym.spaces.Dict):
        return "Dict(" + ", ".join(f"{key}: {space_text(sub)}" for key, sub in space.spaces.items()) + ")"
    if isinstance(space, gym.spaces.Tuple):
        return "Tuple(" + ", ".join(space_text(sub) for sub in space.spaces) + ")"
    return str(space)


def _env_name(env_id: str) -> str:
    """An env id as a user knows it: a run's own model copy by its file name, not this machine's path."""
    return Path(env_id).name if is_model_path(env_id) else env_id


def _spaces(env_config: EnvConfig) -> tuple[gym.Space, gym.Space]:
    probe = make_vector_env(env_config, 1)
    try:
        return probe.single_observation_space, probe.single_action_space
    finally:
        probe.close()


def eval_env_spaces(checkpoint: Path, asked: EnvConfig, trained: EnvConfig) -> tuple[gym.Space, gym.Space]:
    """The observation and action spaces of the env ``asked`` for, checked against the ``trained`` env's.

    The trained env is built only when ``asked`` names another ``env.id``: other ``env.*`` overrides (heavier
    bodies, sensor noise) keep the env, and a sweep over them builds no second env per point.

    Args:
        checkpoint: The checkpoint being evaluated, for the message.
        asked: The ``env`` section with the evaluation's overrides.
        trained: The ``env`` section the checkpoint was trained with.

    Raises:
        RlkitError: The asked env does not take the run's env settings, or its spaces differ from the
            trained ones. An env that cannot be built at all (an unknown id) raises its own error.
    """
    if asked.id == trained.id:
        return _spaces(asked)
    try:
        trained_spaces = _spaces(trained)
    except RlkitError:  # the trained env is gone (a user's module not importable here): the load says more
        return _spaces(asked)
    trained_name = _env_name(trained.id)
    was = (
        f"checkpoint '{checkpoint}' was trained on {trained_name} (observations "
        f"{space_text(trained_spaces[0])}, actions {space_text(trained_spaces[1])})"
    )
    valid = (
        "rlkit eval takes an env.id with the trained observations and actions, "
        f"or none to evaluate on {trained_name}"
    )
    try:
        asked_spaces = _spaces(asked)
    except EnvArgumentsError as exc:
        raise RlkitError(
            f"{was} and cannot act on env.id={asked.id}, which does not take the run's {exc.argument}: "
            f"{valid}"
        ) from None
    if tuple(map(space_text, asked_spaces)) != tuple(map(space_text, trained_spaces)):
        raise RlkitError(
            f"{was} and cannot act on env.id={asked.id} (observations {space_text(asked_spaces[0])}, "
            f"actions {space_text(asked_spaces[1])}): {valid}"
        )
    return asked_spaces
