"""Reaching the MuJoCo model and data behind a (wrapped) Gymnasium env.

Shared by the wrappers that read or change the model: physics and visual randomization, pushes, pixels."""

from __future__ import annotations

import gymnasium as gym
import mujoco

from rlkit.errors import RlkitError


def mujoco_model_and_data(env: gym.Env, wrapper: str) -> tuple[mujoco.MjModel, mujoco.MjData]:
    """The ``model`` and ``data`` of a MuJoCo env, for the wrapper named ``wrapper``.

    Raises:
        RlkitError: ``env.unwrapped`` has no ``mujoco.MjModel`` ``model`` and ``mujoco.MjData`` ``data``.
    """
    base = env.unwrapped
    model, data = getattr(base, "model", None), getattr(base, "data", None)
    if not isinstance(model, mujoco.MjModel) or not isinstance(data, mujoco.MjData):
        raise RlkitError(
            f"{wrapper} needs a MuJoCo env (env.unwrapped with .model and .data), "
            f"but got {type(base).__name__}"
        )
    return model, data


def entity_names(model: mujoco.MjModel, kind: mujoco.mjtObj, count: int, prefix: str) -> list[str]:
    """Names of the first ``count`` entities of a kind; an unnamed one is ``prefix`` + its id (``body3``)."""
    return [mujoco.mj_id2name(model, kind, i) or f"{prefix}{i}" for i in range(count)]
