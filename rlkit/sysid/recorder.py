"""Recording an rlkit MuJoCo task's episodes as a robot's log (:mod:`rlkit.sysid.trajectory_log`).

What a robot's own logger would write, read from the simulated robot: at every control step, the channels as
the robot measured them (after the sensor models and the observation latency, before any observation history,
privileged observation or action discretization: the layer ``make_env(measured=...)`` places) and the
``data.ctrl`` MuJoCo applied over the step (after the action noise, latency, rate limit and saturation, in
actuator units). Row ``t`` is the measurement at ``t × control period`` and the controls that then act until
the next row; an episode's last row is its final measurement, with the last controls held (they act on nothing
that was logged). The root free joint's pose is logged where the model has one.

``rlkit eval RUN --record FILE`` records a trained policy (:func:`record_checkpoint`), ``rlkit excite`` an
excitation signal (:mod:`rlkit.sysid.excitation`); both go through :func:`record_episodes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, SupportsFloat

import gymnasium as gym
import mujoco
import numpy as np

from rlkit.config.schema import EnvConfig
from rlkit.envs import make_env
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.multi_agent import ParallelGame, TurnGame
from rlkit.envs.sensors import channel_names
from rlkit.errors import ConfigError, RlkitError
from rlkit.evaluate.checkpoint_eval import EVAL_OVERRIDE_SECTIONS
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET
from rlkit.evaluate.restore import restore_agent
from rlkit.policy import ObservationBatch, Policy
from rlkit.sysid.trajectory_log import TrajectoryLog, check_log_path, concatenate_logs

#: The action modes whose ``data.ctrl`` is set once per control step and held over its physics steps, the
#: semantics of a log's controls. ``pd_torque`` is one: its PD law runs inside MuJoCo as a servo on the
#: constant joint target, so the target is the control logged. A mode that computed ``data.ctrl`` at the
#: physics rate would have no one control per row to log.
CONSTANT_CONTROL_MODES = ("direct", "joint_offset", "pd_torque")


class MeasurementRecorder(gym.Wrapper[np.ndarray, Any, np.ndarray, Any]):
    """Records each episode's measured channels, applied controls and base pose, one row per control step.

    Placed by ``make_env(measured=...)`` where the observation is what the robot measured; it changes nothing
    it passes on. The env under it must be an rlkit MuJoCo task (:func:`make_recording_env` checks).

    Args:
        env: The env whose observation is the robot's measurement.
        repeat: Env steps per control step (``env.actuators.repeat``): the control period is ``repeat`` times
            the task's ``dt``.
    """

    def __init__(self, env: gym.Env, repeat: int = 1) -> None:
        super().__init__(env)
        self.repeat = repeat
        self._channels: list[np.ndarray] = []
        self._controls: list[np.ndarray] = []
        self._poses: list[np.ndarray] = []

    @property
    def task(self) -> MujocoEnv:
        """The MuJoCo task at the bottom of the stack."""
        task = self.env.unwrapped
        assert isinstance(task, MujocoEnv)  # make_recording_env refused any other env
        return task

    @property
    def channel_names(self) -> tuple[str, ...]:
        """The measured channels' names, as this layer's observation names them."""
        return tuple(channel_names(self.env))

    @property
    def control_names(self) -> tuple[str, ...]:
        """The actuators' names (an unnamed one as ``actuatorN``)."""
        model = self.task.model
        actuator = mujoco.mjtObj.mjOBJ_ACTUATOR
        return tuple(mujoco.mj_id2name(model, actuator, i) or f"actuator{i}" for i in range(model.nu))

    @property
    def control_period(self) -> float:
        """Seconds per control step: read after a reset, which may draw a randomized timestep."""
        return self.task.dt * self.repeat

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the env and start a new episode's rows with its first measurement."""
        observation, info = self.env.reset(seed=seed, options=options)
        self._channels = [np.array(observation, dtype=np.float64)]
        self._controls = []
        self._poses = [self._base_pose()]
        return observation, info

    def step(self, action: Any) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env; the row before gets the controls this step applied, a new row its measurement."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._controls.append(self.task.data.ctrl.copy())
        self._channels.append(np.array(observation, dtype=np.float64))
        self._poses.append(self._base_pose())
        return observation, reward, terminated, truncated, info

    def episode(self, index: int) -> TrajectoryLog:
        """The rows of the episode since the last reset, as episode ``index`` of a log."""
        if not self._controls:
            raise RlkitError("an episode is recorded from its first step: step the env after its reset")
        rows = len(self._channels)
        poses = self._poses if self._poses[0].size else None
        return TrajectoryLog(
            time=np.arange(rows) * self.control_period,
            # the last measurement's controls: those of the step before, still held by the actuators
            controls=np.array([*self._controls, self._controls[-1]]),
            control_names=self.control_names,
            channels=np.array(self._channels),
            channel_names=self.channel_names,
            episodes=np.full(rows, index, dtype=np.int64),
            base_pose=None if poses is None else np.array(poses),
        )

    def _base_pose(self) -> np.ndarray:
        """The root free joint's ``x y z qw qx qy qz`` (empty when the model has none)."""
        address = root_free_joint(self.task.model)
        if address is None:
            return np.zeros(0)
        return self.task.data.qpos[address : address + 7].copy()


def root_free_joint(model: mujoco.MjModel) -> int | None:
    """The qpos address of the first free joint of a body attached to the world, or None."""
    for joint in range(model.njnt):
        is_free = int(model.jnt_type[joint]) == int(mujoco.mjtJoint.mjJNT_FREE)
        if is_free and int(model.body_parentid[model.jnt_bodyid[joint]]) == 0:
            return int(model.jnt_qposadr[joint])
    return None


def make_recording_env(env_config: EnvConfig) -> tuple[gym.Env, MeasurementRecorder]:
    """The env of ``env_config`` with its whole sim2real stack and a recorder at its measurement layer.

    Raises:
        RlkitError: The env cannot be recorded as a robot's log: pixel observations, a multi-agent game, an
            env that is not an rlkit MuJoCo task, or an action mode whose controls change within a control
            step.
    """
    where = f"environment '{env_config.id}'"
    if env_config.pixels is not None:
        raise RlkitError(
            f"{where} observes pixels (env.pixels): a robot's log holds named channels; record it without "
            "env.pixels"
        )
    recorders: list[MeasurementRecorder] = []

    def measured(env: gym.Env) -> gym.Env:
        recorders.append(MeasurementRecorder(env, env_config.actuators.repeat))
        return recorders[-1]

    env = make_env(env_config, check=False, measured=measured)
    task = env.unwrapped
    reason = None
    if isinstance(task, ParallelGame | TurnGame):
        reason = "is a multi-agent game: a log is one robot's; record a single-robot task"
    elif not isinstance(task, MujocoEnv) or not recorders:
        reason = (
            f"is {type(task).__name__}, not an rlkit MuJoCo task: only those (rlkit/... ids, a robot's XML) "
            "name the channels and actuators a robot's log holds"
        )
    elif task.task.action.mode not in CONSTANT_CONTROL_MODES:
        reason = (
            f"has action mode '{task.task.action.mode}', which changes data.ctrl within a control step: a "
            f"log holds one control per step (modes recorded: {', '.join(CONSTANT_CONTROL_MODES)})"
        )
    if reason is not None:
        env.close()
        raise RlkitError(f"{where} {reason}")
    return env, recorders[0]


def record_episodes(
    env_config: EnvConfig, policy: Policy, episodes: int, seed: int, max_steps: int | None = None
) -> TrajectoryLog:
    """Run ``policy`` for ``episodes`` episodes, one env at a time, and return them as one log.

    Episode ``j`` resets with seed ``seed + j``, as evaluation's does, and runs until it terminates or is
    truncated, or for ``max_steps`` control steps.

    Args:
        env_config: The ``env`` section: its whole sim2real stack is built.
        policy: Acts on a batch of one observation (the policy's own, above the measurement layer).
        episodes: Episodes to record.
        seed: Episode ``j`` resets with ``seed + j``.
        max_steps: Control steps after which an episode stops (None: as the env ends it).

    Raises:
        RlkitError: The env cannot be recorded (:func:`make_recording_env`).
    """
    env, recorder = make_recording_env(env_config)
    logs = []
    try:
        for episode in range(episodes):
            observation, _ = env.reset(seed=seed + episode)
            steps, done = 0, False
            while not done:
                action = policy(_batch_of_one(observation), np.array([steps == 0]))[0]
                observation, _, terminated, truncated, _ = env.step(action)
                steps += 1
                done = terminated or truncated or steps == max_steps
            logs.append(recorder.episode(episode))
    finally:
        env.close()
    return concatenate_logs(logs)


def _batch_of_one(observation: Any) -> ObservationBatch:
    if isinstance(observation, dict):
        return {key: np.asarray(value)[None] for key, value in observation.items()}
    return np.asarray(observation)[None]


@dataclass(frozen=True)
class CheckpointRecording:
    """What ``rlkit eval RUN --record FILE`` recorded, and where it went."""

    checkpoint: Path
    seed: int
    log: TrajectoryLog
    path: Path


def record_checkpoint(
    target: str | Path,
    path: str | Path,
    episodes: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
) -> CheckpointRecording:
    """Record the policy of a checkpoint (or a run directory's latest) in its env; write the log to ``path``.

    The policy acts as ``rlkit eval`` runs it (``eval.deterministic``), on the same seeds.

    Args:
        target: A run directory or a checkpoint file.
        path: The log to write (``.npz`` or ``.csv``), atomically.
        episodes: Episodes to record (default: the run's ``eval.episodes``).
        seed: First episode's seed (default: the run's training seed + the evaluation offset, as eval's).
        overrides: ``env.*`` and ``eval.*`` overrides of the run's config (record on a changed env).

    Raises:
        RlkitError: A bad suffix or override, or an env that cannot be recorded; nothing is written.
    """
    path = check_log_path(path)
    for override in overrides:
        if override.split(".", 1)[0] not in EVAL_OVERRIDE_SECTIONS:
            raise ConfigError(f"override '{override}': rlkit eval takes env.* and eval.* overrides only")
    restored = restore_agent(target, overrides)
    config = restored.config
    seed = config.train.seed + EVAL_SEED_OFFSET if seed is None else seed
    policy = restored.agent.make_policy(deterministic=config.eval.deterministic)
    log = record_episodes(config.env, policy, episodes or config.eval.episodes, seed)
    return CheckpointRecording(restored.checkpoint, seed, log, log.save(path))
