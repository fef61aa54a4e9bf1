"""The one function that builds an environment from the ``env`` section of the config.

``env.id`` is a Gymnasium id (``CartPole-v1``), an ``rlkit/...`` id registered by this package, a robot's
MJCF file (``robot.xml``, with its task under ``env.task``), or ``module:Class`` for a user's own env class.

The sim2real layers are applied in one fixed order, innermost first, so that every backend and every
evaluation builds the same stack from the same config:

1. the task env, with its episode time limit (reported as termination with
   ``env.truncation_is_termination``);
2. physics randomization (resampled at reset from nominal values) and random pushes;
3. actuator models, in the order the action meets them: noise → latency → rate limit → saturation →
   repeat (so the outermost of these wrappers is the noise the policy's action enters first);
4. the observed channels (``env.sensors.observed``: the others are left out), then sensor models, per
   channel group, in the order a reading meets them: sample-and-hold → bias → drift →
   noise → quantization → clipping → dropout;
5. pixels (``env.pixels``): rendered cameras become the observation (or its ``pixels`` key, next to the
   sensor-modelled ``state``), seen through the camera model (``env.camera``), then stacked over the last
   ``env.frame_stack`` frames; visual randomization (``env.visual_randomization``) changes the model's
   lights, colours, textures and cameras at reset, next to the physics randomization of step 2;
6. observation latency (the whole observation is delayed): the observation is now what the robot measured,
   where ``measured`` places its layer (a recorder of the robot's log);
7. the privileged observation (a Dict ``{policy, privileged}``, or the values appended to the
   observation with ``observe_parameters``), after the sensor models so they never touch the privileged
   values;
8. action discretization (``env.discrete_actions``), outermost, so its levels span the actuators' range;
9. a MuJoCo task of several robots (``env.task.team``) becomes a game of one agent per robot, each
   observing and driving its own part of the stack above
   (:class:`~rlkit.envs.multi_agent.MujocoTeam` in a :class:`~rlkit.envs.multi_agent.ParallelGame`).
"""

from __future__ import annotations

import importlib
import re
import types
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import mujoco
import numpy as np
from pettingzoo import AECEnv, ParallelEnv
from pettingzoo.utils.conversions import aec_to_parallel

from rlkit.config.schema import EnvConfig
from rlkit.config.sim2real import ActuatorModelConfig, SensorsConfig
from rlkit.envs.discrete_actions import DiscreteActions
from rlkit.envs.effects.layers import actuator_layers, observation_latency, observed_channels, sensor_layers
from rlkit.envs.episode_end import TruncationAsTermination
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.multi_agent import MujocoTeam, ParallelGame, TurnGame
from rlkit.envs.randomization import (
    PhysicsRandomization,
    PrivilegedObservation,
    RandomPushes,
    check_observed_samples,
)
from rlkit.envs.sensors import ObservedChannels, channel_names
from rlkit.envs.sensors.history import ObservationHistoryWrapper
from rlkit.envs.teacher_view import TeacherView
from rlkit.errors import EnvArgumentsError, RlkitError
from rlkit.registry import import_attr
from rlkit.vision.camera import CameraObservation
from rlkit.vision.frame_stack import FrameStack
from rlkit.vision.pixels import PixelObservation
from rlkit.vision.visual_randomization import VisualRandomization


def make_env(
    config: EnvConfig,
    render_mode: str | None = None,
    check: bool = True,
    teacher_view: bool = False,
    measured: Callable[[gym.Env], gym.Env] | None = None,
) -> gym.Env:
    """Build one environment from ``config``: the task env and its sim2real layers.

    Args:
        config: The ``env`` section.
        render_mode: Passed to the env (``rgb_array`` for videos).
        check: Wrap in Gymnasium's passive env checker, which warns once about an env that breaks the API.
            A vector env checks its first copy only: the others are the same class, and the checker's
            wrapper layer costs time on every step.
        teacher_view: Report what a privileged teacher observes (the state before the sensor models and the
            sampled physics) in ``info``; see :class:`rlkit.envs.teacher_view.TeacherView`.
        measured: A layer to wrap around the env where its observation is what the robot measured: after the
            sensor models and the observation latency, before the observation history, the privileged
            observation and action discretization (the recorder of :mod:`rlkit.sysid.recorder`).

    Raises:
        RlkitError: The id is unknown, the env rejects its keyword arguments, or a sim2real layer does not
            fit the env (a misspelled name, a space it cannot act on).
    """
    env = make_task_env(config, render_mode, check)
    if config.truncation_is_termination:
        env = TruncationAsTermination(env)
    if isinstance(env.unwrapped, ParallelGame):
        _check_game_settings(config)
        return env
    _check_mujoco_settings(env, config)
    # a MuJoCo task of several robots (env.task.team): checked before any layer is built around it
    team = env.unwrapped.team if isinstance(env.unwrapped, MujocoEnv) else None
    if team is not None:
        _check_team_settings(config)
    randomization = config.randomization
    check_observed_samples(randomization)
    physics = PhysicsRandomization(env, randomization.parameters) if randomization.parameters else None
    env = physics or env
    if randomization.pushes is not None:
        env = RandomPushes(env, randomization.pushes)
    if config.visual_randomization is not None:
        env = VisualRandomization(env, config.visual_randomization)
    # a team's robots each draw their own action latency
    env = _add_actuator_models(env, config.actuators, None if team is None else team.actuators)
    if teacher_view:
        env = TeacherView(env, physics)
    env = _add_sensor_models(env, config.sensors)
    env = _add_pixels(env, config)
    latency = observation_latency(config.sensors)
    if latency is not None:
        env = latency.wrapper()(env, **latency.arguments)
    if measured is not None:
        env = measured(env)
    if config.sensors.history > 1:
        env = ObservationHistoryWrapper(env, config.sensors.history)
    if physics is not None and (randomization.privileged_observation or randomization.observe_parameters):
        env = PrivilegedObservation(env, physics, append=randomization.observe_parameters)
    if config.discrete_actions is not None:
        env = DiscreteActions(env, config.discrete_actions)
    if team is not None:
        env = ParallelGame(MujocoTeam(env, config.id), config.agents.critic, config.id, config.agents.pad)
    return env


def _check_team_settings(config: EnvConfig) -> None:
    """Name the first setting a team of robots cannot split among its agents: its layers make one
    observation or action of the whole model that is not a channel or an actuator of one robot."""
    randomization = config.randomization
    given = {
        "env.pixels": config.pixels is not None,
        "env.discrete_actions": config.discrete_actions is not None,
        "env.randomization.privileged_observation": randomization.privileged_observation,
        "env.randomization.observe_parameters": randomization.observe_parameters,
        # a robot's own terms read one step's action: a held one would pay only its last step's
        "env.actuators.repeat": config.actuators.repeat > 1,
    }
    wanted = [key for key, present in given.items() if present]
    if wanted:
        raise EnvArgumentsError(
            f"{wanted[0]} cannot be applied to the team of robots '{config.id}' (its agents observe named "
            "channels and drive their own actuators, one step at a time); leave it out",
            wanted[0],
        )


def make_task_env(config: EnvConfig, render_mode: str | None = None, check: bool = True) -> gym.Env:
    """The task env alone, with its time limit: no sim2real layers."""
    kwargs: dict[str, Any] = dict(config.kwargs)
    if render_mode is not None:
        kwargs["render_mode"] = render_mode
    if config.task is not None:
        kwargs["task"] = config.task
    if config.simulator is not None:
        kwargs["simulator"] = config.simulator
    try:
        if config.id.endswith(".xml"):
            env: gym.Env = MujocoEnv(config.id, **kwargs)
            env = gym.wrappers.TimeLimit(env, config.max_episode_steps or 1000)
        elif ":" in config.id and "/" not in config.id.split(":")[0] and _is_env_class(config.id):
            env_class = _env_builder(import_attr(config.id, "environment"))
            built = env_class(**kwargs)
            if isinstance(built, AECEnv | ParallelEnv):
                return _multi_agent_game(built, config)
            if not isinstance(built, gym.Env):
                raise RlkitError(
                    f"environment '{config.id}' built {type(built).__name__}, not a gymnasium.Env"
                )
            env = built
            if config.max_episode_steps is not None:
                env = gym.wrappers.TimeLimit(env, config.max_episode_steps)
        else:  # a registered id, possibly 'module:Id-v0' (Gymnasium imports the module that registers it)
            env = gym.make(
                config.id, max_episode_steps=config.max_episode_steps, disable_env_checker=not check, **kwargs
            )
    except gym.error.Error as exc:
        raise RlkitError(
            f"unknown environment 'env.id={config.id}' ({exc}); 'rlkit list' shows the known ids"
        ) from None
    except TypeError as exc:
        # Gymnasium appends "was raised from the environment creator for <id> with kwargs (<every value>)",
        # which for env.task is a dump of the whole task: the constructor's own words are enough.
        reason = str(exc).split(" was raised from the environment creator", 1)[0]
        named = re.search(r"unexpected keyword argument '(\w+)'", reason)
        rejected = named.group(1) if named else sorted(kwargs)[0] if kwargs else "?"
        argument = "env.task" if rejected == "task" else f"env.kwargs.{rejected}"
        raise EnvArgumentsError(
            f"environment '{config.id}' rejected its arguments {sorted(kwargs)}: {reason}", argument
        ) from None
    return env


def _check_game_settings(config: EnvConfig) -> None:
    """Name the first sim2real setting given for a PettingZoo game: its layers act on one agent's
    observation and action, which a game of several agents does not have."""
    defaults = EnvConfig(id=config.id)
    for key in (
        "randomization",
        "actuators",
        "sensors",
        "discrete_actions",
        "pixels",
        "camera",
        "frame_stack",
    ):
        if getattr(config, key) != getattr(defaults, key):
            raise EnvArgumentsError(
                f"env.{key} cannot be applied to the multi-agent environment '{config.id}' (a PettingZoo "
                "game); leave it out",
                f"env.{key}",
            )


def _check_mujoco_settings(env: gym.Env, config: EnvConfig) -> None:
    """Name the first setting that acts on a MuJoCo model when the env has none (a run's pixels or physics
    randomization with another ``env.id``), before one of the wrappers fails on it."""
    given = {
        "env.randomization.parameters": bool(config.randomization.parameters),
        "env.randomization.pushes": config.randomization.pushes is not None,
        "env.visual_randomization": config.visual_randomization is not None,
        "env.pixels": config.pixels is not None,
    }
    wanted = [key for key, present in given.items() if present]
    if wanted and not isinstance(getattr(env.unwrapped, "model", None), mujoco.MjModel):
        raise EnvArgumentsError(
            f"{wanted[0]} needs a MuJoCo env, but environment '{config.id}' is "
            f"{type(env.unwrapped).__name__}",
            wanted[0],
        )


def _is_env_class(spec: str) -> bool:
    """Whether ``module:Attr`` names a gymnasium.Env subclass, a function that builds an env (a Gymnasium
    or a PettingZoo one) or a PettingZoo env module (``mpe2:simple_spread_v3``); ``module:Id-v0`` is a
    registered id."""
    attr = spec.split(":", 1)[1]
    if not attr.isidentifier() and not all(part.isidentifier() for part in attr.split(".")):
        return False
    env_class = import_attr(spec, "environment")
    if isinstance(env_class, types.ModuleType) and _game_factory(env_class) is not None:
        return True
    if isinstance(env_class, type) and issubclass(env_class, ParallelEnv | AECEnv):
        return True
    if (isinstance(env_class, type) and not issubclass(env_class, gym.Env)) or not callable(env_class):
        raise RlkitError(
            f"environment '{spec}' is neither a gymnasium.Env subclass, a function building one, nor a "
            "PettingZoo env module (with parallel_env or env)"
        )
    return True


def _env_builder(attr: object) -> Any:
    """What builds the env ``module:Attr`` names: a PettingZoo env module's factory, else itself."""
    if isinstance(attr, types.ModuleType):
        return _game_factory(attr)
    assert callable(attr)  # _is_env_class raised for anything else
    return attr


def _game_factory(module: types.ModuleType) -> Any:
    """A PettingZoo env module's factory: its ``parallel_env``, else its (AEC) ``env``; None for neither."""
    for name in ("parallel_env", "env"):
        factory = getattr(module, name, None)
        if callable(factory):
            return factory
    return None


def _multi_agent_game(built: AECEnv | ParallelEnv, config: EnvConfig) -> gym.Env:
    """A PettingZoo env as one game env, with the run's time limit: a Parallel env as a
    :class:`ParallelGame`, an AEC env through PettingZoo's own conversion where it allows one (its agents
    can move at once), else as a :class:`TurnGame` (its agents take turns)."""
    game: gym.Env
    if isinstance(built, AECEnv) and not built.metadata.get("is_parallelizable", False):
        game = TurnGame(built, config.agents.critic, config.id, config.agents.pad)
    else:
        parallel = aec_to_parallel(built) if isinstance(built, AECEnv) else built
        game = ParallelGame(parallel, config.agents.critic, config.id, config.agents.pad)
    if config.max_episode_steps is not None:
        game = gym.wrappers.TimeLimit(game, config.max_episode_steps)
    return game


def _add_actuator_models(
    env: gym.Env, config: ActuatorModelConfig, delay_groups: Sequence[np.ndarray] | None = None
) -> gym.Env:
    # Wrapped innermost first: repeat sits next to the simulator, noise meets the policy's action first.
    for layer in actuator_layers(config, delay_groups):
        env = layer.wrapper()(env, **layer.arguments)
    return env


def _add_sensor_models(env: gym.Env, config: SensorsConfig) -> gym.Env:
    if config.observed is not None:
        try:
            names = channel_names(env)
        except RlkitError as exc:
            raise RlkitError(f"env.sensors.observed: {exc}") from None
        kept = observed_channels(config, names)
        assert kept is not None  # config.observed is set
        env = ObservedChannels(env, kept)
    if config.models:
        for layer in sensor_layers(config, channel_names(env)):
            env = layer.wrapper()(env, **layer.arguments)
    return env


def _add_pixels(env: gym.Env, config: EnvConfig) -> gym.Env:
    """Rendered cameras, the camera model and frame stacking, as ``env.pixels``, ``env.camera`` and
    ``env.frame_stack`` ask."""
    if config.pixels is None:
        if config.camera is not None or config.frame_stack > 1:
            key = "env.camera" if config.camera is not None else "env.frame_stack"
            raise RlkitError(f"{key} needs pixel observations: set env.pixels (e.g. env.pixels={{}})")
        return env
    env = PixelObservation(env, config.pixels)
    image_key = "pixels" if config.pixels.mode == "pixels_state" else None
    if config.camera is not None:
        env = CameraObservation(env, config.camera, image_key)
    if config.frame_stack > 1:
        env = FrameStack(env, config.frame_stack, image_key)
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
        elif env_id.startswith("rlkit/"):
            # rlkit's own tasks: the task class's own DESCRIPTION (a module may hold several tasks), else
            # the first line of its module's docstring
            module_name, _, class_name = entry.partition(":")
            task = importlib.import_module(module_name)
            own = vars(getattr(task, class_name, object)).get("DESCRIPTION")
            doc = own or task.__doc__ or module
            description = doc.strip().splitlines()[0].rstrip(".")
        else:
            description = module
        if spec.max_episode_steps:
            description += f", {spec.max_episode_steps} steps per episode"
        rows.append((env_id, description))
    rows.sort(key=lambda row: (not row[0].startswith("rlkit/"), row[0]))
    return rows
