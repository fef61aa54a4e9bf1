"""Excitation signals for system identification, and the logged episodes they drive (``rlkit excite``).

A model is identified only from motion that shows its dynamics: every actuator is driven with a signal of its
own that sweeps the frequencies of interest, within a safe share of its range. In the env's action space,

    action_i(t) = centre_i + amplitude × halfwidth_i × s_i(t), clipped to the action space,

where ``centre_i`` is 0 in an offset action mode (``joint_offset``, ``pd_torque``: the default pose) and the
middle of the range otherwise, ``halfwidth_i`` the largest symmetric swing about the centre that stays in the
range, and ``s_i`` peaks at 1:

* ``chirp``: a linear sweep from ``F0`` to ``F1`` Hz over the episode. Actuator ``i`` starts its sweep
  ``i / n`` of the way in (and wraps round to ``F0``, its phase continuous), so that at any moment the
  actuators move at different frequencies: their effects on the robot stay apart, where phase-shifted copies
  of one sweep would all shake it at the same frequency.
* ``multisine``: a sum of sines, each actuator on its own frequencies of one grid spread over ``[F0, F1]``
  (interleaved, so no two actuators share a frequency), with random phases from the seed, normalized to
  peak 1.

Both fade in over the first half second (a tenth of a short episode): a signal starting away from its centre
would jerk the robot out of its default pose at the first step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import gymnasium as gym
import mujoco
import numpy as np

from rlkit.config.schema import EnvConfig
from rlkit.errors import RlkitError
from rlkit.policy import ObservationBatch
from rlkit.sysid.recorder import make_recording_env, record_episodes
from rlkit.sysid.trajectory_log import MIN_ROWS, TrajectoryLog

SignalName = Literal["chirp", "multisine"]
#: The signals :func:`excitation_signals` generates.
SIGNALS: tuple[SignalName, ...] = ("chirp", "multisine")
#: The action modes whose zero action is the default pose, the centre of their excitation.
OFFSET_MODES = ("joint_offset", "pd_torque")
#: Sines per actuator in a multisine, at most: fewer where the band holds fewer frequencies one episode tells
#: apart (1 / its length apart, else the actuators' sines overlap and their effects mix).
MULTISINE_COMPONENTS = 10
#: Seconds over which a signal fades in (at most a tenth of the episode).
FADE_IN_SECONDS = 0.5


@dataclass(frozen=True)
class ExcitationSettings:
    """How ``rlkit excite`` drives the actuators; the defaults excite a robot well.

    Attributes:
        seconds: Length of each episode.
        signal: ``chirp`` or ``multisine``.
        amplitude: Share of each actuator's half range swept, in (0, 1].
        band: Lowest and highest frequency excited (Hz), below the control rate's Nyquist frequency.
        episodes: Episodes recorded, each from a reset with its own seed and signal phases.
        seed: Episode ``j`` resets with ``seed + j``; the signals' phases are drawn from it.
    """

    seconds: float = 10.0
    signal: SignalName = "chirp"
    amplitude: float = 0.5
    band: tuple[float, float] = (0.1, 5.0)
    episodes: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        """Refuse settings that are wrong whatever the env.

        Raises:
            RlkitError: One line naming the setting and what would be valid.
        """
        if self.signal not in SIGNALS:
            raise RlkitError(f"signal '{self.signal}' is unknown (valid: {', '.join(SIGNALS)})")
        if not 0 < self.amplitude <= 1:
            raise RlkitError(
                f"amplitude {self.amplitude:g} is outside (0, 1]: it is the share of each actuator's half "
                "range swept"
            )
        if self.episodes < 1:
            raise RlkitError(f"episodes must be at least 1, got {self.episodes}")
        low, high = self.band
        if not 0 < low < high:
            raise RlkitError(f"band {low:g}-{high:g} Hz must satisfy 0 < F0 < F1")

    def control_steps(self, period: float) -> int:
        """The control steps of an episode at control period ``period`` (seconds).

        Raises:
            RlkitError: The band reaches the Nyquist frequency of that period, or the episode would be too
                short to log (fewer than :data:`~rlkit.sysid.trajectory_log.MIN_ROWS` rows).
        """
        low, high = self.band
        nyquist = 0.5 / period
        if not high < nyquist:
            raise RlkitError(
                f"band {low:g}-{high:g} Hz must stay below {nyquist:g} Hz, the Nyquist frequency of the "
                f"env's {period:g} s control period"
            )
        steps = round(self.seconds / period)
        if steps + 1 < MIN_ROWS:
            raise RlkitError(
                f"{self.seconds:g} s is {max(steps, 0)} control steps of {period:g} s: a log needs at least "
                f"{MIN_ROWS} rows, so at least {(MIN_ROWS - 1) * period:g} s"
            )
        return steps


# ------------------------------------------------------------------------------------------------- signals


def chirp(times: np.ndarray, duration: float, band: tuple[float, float], phases: np.ndarray) -> np.ndarray:
    """Linear sweeps from ``band[0]`` to ``band[1]`` Hz over ``duration`` seconds, one per phase, staggered.

    Signal ``i`` of ``n`` starts ``i / n`` of the way through its sweep and wraps round to the lowest
    frequency, its phase continuous; ``phases`` are the signals' phases at time 0.

    Returns:
        ``(len(times), n)``, each column within [-1, 1].
    """
    low, high = band
    rate = (high - low) / duration
    starts = np.arange(len(phases)) / len(phases) * duration

    def swept_phase(tau: np.ndarray) -> np.ndarray:
        # the integral of the (wrapping) instantaneous frequency from 0 to tau, in cycles
        sweeps, into = np.divmod(tau, duration)
        return low * tau + rate * (sweeps * duration**2 + into**2) / 2

    cycles = swept_phase(times[:, None] + starts) - swept_phase(starts)
    return np.sin(2 * np.pi * cycles + phases)


def multisine(times: np.ndarray, band: tuple[float, float], phases: np.ndarray) -> np.ndarray:
    """Sums of sines, signal ``i`` on every ``n``-th frequency of a grid over ``band`` from the ``i``-th.

    Args:
        times: Sample times (seconds).
        band: Lowest and highest frequency (Hz).
        phases: ``(n, components)``: each sine's phase.

    Returns:
        ``(len(times), n)``, each column normalized to peak 1 over ``times``.
    """
    actuators, components = phases.shape
    grid = np.linspace(band[0], band[1], actuators * components).reshape(components, actuators).T
    angles = 2 * np.pi * grid[None] * times[:, None, None] + phases[None]
    signals = np.sin(angles).sum(axis=2)
    return signals / np.abs(signals).max(axis=0)


def fade_in(times: np.ndarray, seconds: float) -> np.ndarray:
    """A raised-cosine ramp from 0 to 1 over the first ``seconds``, then 1: ``(len(times), 1)``."""
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.clip(times / seconds, 0.0, 1.0))
    return ramp[:, None]


def excitation_signals(
    signal: SignalName,
    steps: int,
    period: float,
    band: tuple[float, float],
    actuators: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Each actuator's signal at each control step, faded in: ``(steps, actuators)``, within [-1, 1]."""
    times = np.arange(steps) * period
    duration = steps * period
    if signal == "chirp":
        signals = chirp(times, duration, band, rng.uniform(0, 2 * np.pi, actuators))
    else:
        resolved = int(((band[1] - band[0]) * duration + 1) // actuators)
        components = min(max(resolved, 1), MULTISINE_COMPONENTS)
        signals = multisine(times, band, rng.uniform(0, 2 * np.pi, (actuators, components)))
    return signals * fade_in(times, min(FADE_IN_SECONDS, duration / 10))


def excitation_actions(
    signals: np.ndarray, space: gym.spaces.Box, amplitude: float, offset_mode: bool
) -> np.ndarray:
    """The actions ``centre + amplitude × halfwidth × signals``, clipped to ``space`` (module docstring)."""
    low, high = space.low.astype(np.float64), space.high.astype(np.float64)
    centre = np.zeros_like(low) if offset_mode else (low + high) / 2
    halfwidth = np.maximum(np.minimum(high - centre, centre - low), 0.0)
    return np.clip(centre + amplitude * halfwidth * signals, low, high).astype(space.dtype)


class ExcitationPolicy:
    """A :class:`~rlkit.policy.Policy` that ignores what it observes and plays one table of actions per
    episode, row ``t`` at control step ``t`` (the last row held should an episode run longer).

    Args:
        tables: Episode ``j``'s actions, ``(steps, action_dim)``.
    """

    def __init__(self, tables: Sequence[np.ndarray]) -> None:
        self.tables = list(tables)
        self._episode = -1
        self._step = 0

    def __call__(self, obs: ObservationBatch, episode_starts: np.ndarray) -> np.ndarray:
        """The actions of the current step for a batch of one env."""
        if episode_starts[0]:
            self._episode, self._step = self._episode + 1, 0
        table = self.tables[self._episode]
        action = table[min(self._step, len(table) - 1)]
        self._step += 1
        return action[None]


# ------------------------------------------------------------------------------------------------- episodes


@dataclass(frozen=True)
class Excitation:
    """The recorded episodes of :func:`excite`.

    Attributes:
        log: Every episode, as the robot's log.
        steps: Control steps each episode was to last.
        period: The control period (seconds).
        ended_early: ``(episode, steps it lasted)`` of each episode the task terminated (the robot fell).
    """

    log: TrajectoryLog
    steps: int
    period: float
    ended_early: list[tuple[int, int]]


def excite(env_config: EnvConfig, settings: ExcitationSettings) -> Excitation:
    """Drive every actuator of the env of ``env_config`` (its whole sim2real stack) with its own excitation
    signal and record the episodes.

    The env's time limit is raised to cover ``settings.seconds``; an episode the task terminates earlier
    keeps what was recorded.

    Raises:
        RlkitError: Settings that do not fit the env, or an env whose actions cannot be excited (discrete
            actions, an actuator without a control range) or that cannot be recorded
            (:func:`~rlkit.sysid.recorder.make_recording_env`).
    """
    if env_config.discrete_actions is not None:
        raise RlkitError(
            "env.discrete_actions: excitation sweeps each actuator's continuous range; leave it out"
        )
    env, recorder = make_recording_env(env_config)
    try:
        period = recorder.control_period  # nominal: a randomized timestep is drawn at reset
        space = env.action_space
        task = recorder.task
    finally:
        env.close()
    steps = settings.control_steps(period)
    assert isinstance(space, gym.spaces.Box)  # an rlkit MuJoCo task without discrete actions
    unbounded = np.flatnonzero(~(np.isfinite(space.low) & np.isfinite(space.high)))
    if unbounded.size:
        name = mujoco.mj_id2name(task.model, mujoco.mjtObj.mjOBJ_ACTUATOR, int(unbounded[0]))
        raise RlkitError(
            f"actuator '{name or unbounded[0]}' has no control range (ctrlrange): excitation stays within "
            "each actuator's range; give it one in the model"
        )
    offset_mode = task.task.action.mode in OFFSET_MODES
    rng = np.random.default_rng(settings.seed)
    tables = [
        excitation_actions(
            excitation_signals(settings.signal, steps, period, settings.band, space.shape[0], rng),
            space,
            settings.amplitude,
            offset_mode,
        )
        for _ in range(settings.episodes)
    ]
    # the env's own time limit must not cut the episode (it counts env steps: repeat of them per action)
    limit = max(env_config.max_episode_steps or 0, steps * env_config.actuators.repeat)
    long_enough = env_config.model_copy(update={"max_episode_steps": limit})
    log = record_episodes(long_enough, ExcitationPolicy(tables), settings.episodes, settings.seed, steps)
    lasted = [rows.stop - rows.start - 1 for rows in log.episode_slices()]
    ended_early = [(episode, length) for episode, length in enumerate(lasted) if length < steps]
    return Excitation(log, steps, period, ended_early)
