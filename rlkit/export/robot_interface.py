"""What a robot's runtime needs to feed an exported policy and apply its actions, read off the run's env.

The export sidecar (``policy.onnx.json``) carries it beside the tensor shapes: the observation channels in
the order the policy reads them, the actions (MuJoCo actuator names) with their ranges, and the control
period, so a deployment can wire sensors and motors by name and step the policy at the rate it was
trained at.
"""

from __future__ import annotations

from typing import Any, TypeVar

import gymnasium as gym
import mujoco
import numpy as np

from rlkit.envs.actuators import ActionRepeat
from rlkit.envs.discrete_actions import DiscreteActions
from rlkit.envs.randomization import PrivilegedObservation
from rlkit.envs.sensors import channel_names
from rlkit.errors import RlkitError
from rlkit.vision.frame_stack import FrameStack
from rlkit.vision.pixels import PixelObservation

WrapperT = TypeVar("WrapperT")


def _observation(env: gym.Env[Any, Any]) -> dict[str, Any]:
    space = env.observation_space
    if isinstance(space, gym.spaces.Dict) and "policy" in space.spaces:  # privileged: the policy part only
        space = space["policy"]
    if not isinstance(space, gym.spaces.Box):
        return {"shape": None, "channels": None, "note": f"not an array: {space}"}
    described: dict[str, Any] = {"shape": list(space.shape), "dtype": str(space.dtype)}
    if len(space.shape) == 1:
        return {**described, "channels": _channel_names(env, int(space.shape[0]))}
    described["channels"] = None
    image = _image_layout(env, space)
    return {**described, "image": image} if image is not None else described


def _channel_names(env: gym.Env[Any, Any], count: int) -> list[str]:
    """The names of a flat observation's channels; a privileged teacher's appended physics samples after the
    sensor channels, by the names of the parameters sampled (``body_mass/pole``)."""
    privileged = _find_wrapper(env, PrivilegedObservation)
    try:
        names = channel_names(privileged.env if privileged is not None else env)
    except RlkitError:
        names = []
    if privileged is not None and privileged.append:
        names = [*names, *privileged.source.sampled_names]
    return names if len(names) == count else [f"obs[{i}]" for i in range(count)]


def _image_layout(env: gym.Env[Any, Any], space: gym.spaces.Box) -> dict[str, Any] | None:
    """How rlkit's rendered observation (``env.pixels``) lays its channels out, None for other images."""
    pixels = _find_wrapper(env, PixelObservation)
    if pixels is None or len(space.shape) != 3:
        return None
    stack = _find_wrapper(env, FrameStack)
    frames = stack.num_frames if stack is not None else 1
    return {
        "layout": "CHW",
        "cameras": list(pixels.camera_names),
        "frames": frames,
        "channels_per_frame": int(space.shape[0]) // frames,
        "order": "frames oldest first; in a frame, each camera's channels in camera order",
    }


def _actuator_names(env: gym.Env[Any, Any]) -> list[str] | None:
    model = getattr(env.unwrapped, "model", None)
    if not isinstance(model, mujoco.MjModel):
        return None
    return [
        mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_ACTUATOR, index) or f"actuator[{index}]"
        for index in range(model.nu)
    ]


def _find_wrapper(env: gym.Env[Any, Any], kind: type[WrapperT]) -> WrapperT | None:
    """The outermost wrapper of type ``kind`` in ``env``'s stack (``env`` itself included), None if none."""
    layer: object = env
    while layer is not None:
        if isinstance(layer, kind):
            return layer
        layer = getattr(layer, "env", None)
    return None


def _actions(env: gym.Env[Any, Any]) -> dict[str, Any]:
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


def _control_period(env: gym.Env[Any, Any]) -> float | None:
    """Seconds between two policy actions: the task's step times each action repeat (env.actuators.repeat)."""
    dt = getattr(env.unwrapped, "dt", None)
    if not isinstance(dt, (int, float)) or dt <= 0:
        return None
    period = float(dt)
    layer: object = env
    while layer is not None:
        if isinstance(layer, ActionRepeat):
            period *= layer.repeat
        layer = getattr(layer, "env", None)
    return period


def _joint_targets(env: gym.Env[Any, Any]) -> dict[str, Any] | None:
    """How a ``joint_offset`` (or ``pd_torque``) task's actions become joint targets, and the PD law that
    tracks them, for a robot's control loop: the default pose (the task's keyframe, which ``joint_positions``
    channels are relative to), the scale, and each actuator's gains; None for other action modes."""
    task_env = env.unwrapped
    task = getattr(task_env, "task", None)
    model = getattr(task_env, "model", None)
    if (
        task is None
        or not isinstance(model, mujoco.MjModel)
        or task.action.mode not in ("joint_offset", "pd_torque")
    ):
        return None
    keyframe = model.key(task.keyframe).id
    actuators = _actuator_names(env) or [f"actuator{i}" for i in range(model.nu)]
    joints = [int(model.actuator_trnid[i, 0]) for i in range(model.nu)]
    default = [float(model.key_qpos[keyframe, model.jnt_qposadr[joint]]) for joint in joints]
    return {
        "formula": "target = default + scale * action; torque = kp * (target - q) - kd * qdot",
        "scale": float(task.action.scale),
        "actuators": [
            {
                "name": name,
                "joint": mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_JOINT, joint),
                "default": angle,
                "kp": float(model.actuator_gainprm[i, 0]),
                "kd": float(-model.actuator_biasprm[i, 2]),
                "torque_limit": [float(v) for v in model.actuator_forcerange[i]]
                if model.actuator_forcelimited[i]
                else None,
            }
            for i, (name, joint, angle) in enumerate(zip(actuators, joints, default, strict=True))
        ],
    }


def robot_interface(env: gym.Env[Any, Any]) -> dict[str, Any]:
    """The observation channel names in order, the action names and ranges, the control period in seconds
    (None where the env does not say) of ``env``, and for joint-offset actions the default pose, scale and PD
    gains (``joint_targets``), as the export sidecar lists them."""
    interface = {
        "observation": _observation(env),
        "action": _actions(env),
        "control_period_s": _control_period(env),
    }
    targets = _joint_targets(env)
    if targets is not None:
        interface["joint_targets"] = targets
    return interface
