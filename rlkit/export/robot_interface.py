"""What a robot's runtime needs to feed an exported policy and apply its actions, read off the run's env.

The export sidecar (``policy.onnx.json``) carries it beside the tensor shapes: the observation channels in
the order the policy reads them, the actions (MuJoCo actuator names) with their ranges, and the control
period, so a deployment can wire sensors and motors by name and step the policy at the rate it was
trained at.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import mujoco
import numpy as np

from envs.discrete_actions import DiscreteActions
from envs.sensors import channel_names
from rlkit.errors import RlkitError


def _observation(env: gym.Env) -> dict[str, Any]:
    space = env.observation_space
    if isinstance(space, gym.spaces.Dict) and "policy" in space.spaces:  # privileged: the policy part only
        count = int(space["policy"].shape[0])
        try:
            names = list(env.get_wrapper_attr("observation_names"))[:count]
        except AttributeError:
            names = []
        if len(names) != count:
            names = [f"obs[{i}]" for i in range(count)]
        return {"channels": names}
    if isinstance(space, gym.spaces.Box) and len(space.shape) == 1:
        try:
            return {"channels": channel_names(env)}
        except RlkitError:
            return {"channels": [f"obs[{i}]" for i in range(space.shape[0])]}
    return {"channels": None, "note": f"not a flat vector: {space}"}


def _actuator_names(env: gym.Env) -> list[str] | None:
    model = getattr(env.unwrapped, "model", None)
    if not isinstance(model, mujoco.MjModel):
        return None
    return [
        mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_ACTUATOR, index) or f"actuator[{index}]"
        for index in range(model.nu)
    ]


def _find_wrapper(env: gym.Env, kind: type) -> Any:
    while env is not None:
        if isinstance(env, kind):
            return env
        env = getattr(env, "env", None)
    return None


def _actions(env: gym.Env) -> dict[str, Any]:
    space = env.action_space
    actuators = _actuator_names(env)
    if isinstance(space, gym.spaces.Discrete):
        described: dict[str, Any] = {"kind": "discrete", "count": int(space.n)}
        levels = _find_wrapper(env, DiscreteActions)
        if levels is not None:  # env.discrete_actions: each index stands for one vector of actuator commands
            described["commands"] = [levels.action(index).tolist() for index in range(int(space.n))]
        if actuators is not None:
            described["actuators"] = actuators
        return described
    if isinstance(space, gym.spaces.Box):
        count = int(np.prod(space.shape))
        names = actuators if actuators is not None and len(actuators) == count else None
        names = names or [f"action[{i}]" for i in range(count)]
        low, high = (
            np.broadcast_to(space.low, space.shape).ravel(),
            np.broadcast_to(space.high, space.shape).ravel(),
        )
        return {
            "kind": "continuous",
            "channels": [
                {"name": name, "low": float(lo), "high": float(hi)}
                for name, lo, hi in zip(names, low, high, strict=True)
            ],
        }
    return {"kind": str(space)}


def _control_period(env: gym.Env) -> float | None:
    dt = getattr(env.unwrapped, "dt", None)
    return float(dt) if isinstance(dt, (int, float)) and dt > 0 else None


def robot_interface(env: gym.Env) -> dict[str, Any]:
    """The observation channel names in order, the action names and ranges, and the control period in
    seconds (None where the env does not say) of ``env``, as the export sidecar lists them."""
    return {
        "observation": _observation(env),
        "action": _actions(env),
        "control_period_s": _control_period(env),
    }
