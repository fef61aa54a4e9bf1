"""Names of a model's entities, resolved once when an env is built, with one-line errors that list the
names the model has."""

from __future__ import annotations

import mujoco

from rlkit.errors import RlkitError


def entity_names(model: mujoco.MjModel, kind: mujoco.mjtObj) -> list[str]:
    """Names of the model's entities of one kind (unnamed ones left out)."""
    count = {
        mujoco.mjtObj.mjOBJ_BODY: model.nbody,
        mujoco.mjtObj.mjOBJ_SITE: model.nsite,
        mujoco.mjtObj.mjOBJ_JOINT: model.njnt,
        mujoco.mjtObj.mjOBJ_SENSOR: model.nsensor,
        mujoco.mjtObj.mjOBJ_CAMERA: model.ncam,
        mujoco.mjtObj.mjOBJ_ACTUATOR: model.nu,
        mujoco.mjtObj.mjOBJ_KEY: model.nkey,
    }[kind]
    names = (mujoco.mj_id2name(model, kind, i) for i in range(count))
    return [name for name in names if name]


def resolve_id(model: mujoco.MjModel, kind: mujoco.mjtObj, name: str, where: str) -> int:
    """The id of the entity called ``name``, or a one-line error naming ``where`` and the valid names.

    Args:
        model: The compiled model.
        kind: The entity kind (``mujoco.mjtObj.mjOBJ_BODY``, ...).
        name: The name from the config.
        where: The config key that holds the name, for the message (``env.task.reward[0].body``).
    """
    index = mujoco.mj_name2id(model, kind, name)
    if index < 0:
        noun = kind.name.removeprefix("mjOBJ_").lower()
        names = entity_names(model, kind)
        listed = ", ".join(names[:40]) + (", ..." if len(names) > 40 else "") if names else "none"
        raise RlkitError(f"{where}: the model has no {noun} named '{name}' ({noun} names: {listed})")
    return int(index)
