"""Identification: the parameter values, sensor delays and biases with which the model replays the logs best.

The unknowns are the factors (or offsets) of the model parameters a ``calibrate`` section names, one sensor
delay per delay group and one bias per channel of each bias group. For a vector ``x`` of them, every logged
episode is replayed open-loop from its first measured state (:class:`~rlkit.sysid.replay.LogReplay`), each
simulated channel is delayed by its group's delay (cubic-spline interpolation in time: the delay is
continuous, a fraction of a control step included) and offset by its bias, and compared with the measured
channel, divided by that channel's spread over the logs so that radians, rad/s and metres count alike.
``mujoco.sysid`` minimizes the sum of squares of these residuals (``sysid.optimize``: MuJoCo's box-bounded
Levenberg-Marquardt, ``mujoco.minimize.least_squares``), then again with each channel divided by the noise
the first fit leaves on it (maximum likelihood for independent Gaussian sensor noise: a noisy velocity then
weighs less than a clean position), and gives the confidence intervals from the Jacobian at the optimum
(``sysid.calculate_intervals``: Student-t, the noise variance estimated from the residuals).

Least squares on a delay has local minima a control step apart, so each delay starts where a grid search over
whole control steps (on the model as written, the biases set to their best then) puts it. Only the
physical parameters need a simulation: the finite differences of delays and biases reuse the replay of the
point they perturb, and the physical columns of one batch of finite differences replay as the sims of one
batch.

A long replay of a fast or unstable motion (a swinging pole) diverges, and its cost has local minima far from
the truth; ``calibrate.continuation_seconds`` fits on shorter segments first, each fit starting where the one
before ended, so that the fit on ``segment_seconds`` starts near the truth.

The intervals assume independent residuals; consecutive samples of a log are correlated, so they are
optimistic by roughly the square root of the correlation length in samples. The written config's width
factor (``calibrate.width``) is there to make up for that.
"""

from __future__ import annotations

import io
import itertools
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from mujoco import sysid
from scipy.interpolate import CubicSpline

from rlkit.config.calibration import CalibrateConfig
from rlkit.config.schema import EnvConfig
from rlkit.errors import RlkitError
from rlkit.sysid.replay import LogReplay, replay_env, simulated_channels
from rlkit.sysid.trajectory_log import TrajectoryLog

#: A channel whose spread over the logs is below this is not compared: it carries no information.
_FLAT = 1e-9
#: The relative finite-difference step of the Jacobian the intervals come from.
_JACOBIAN_STEP = 1e-6


@dataclass(frozen=True)
class IdentifiedValue:
    """One identified unknown.

    Attributes:
        name: ``body_mass/FR_calf``, ``actuator_kp/.*`` (shared), ``delay/<group>``, ``bias/<channel>``.
        kind: ``parameter``, ``delay`` (s) or ``bias`` (the channel's units).
        value: The identified value.
        interval: The confidence interval's half-width (inf where the logs do not determine it).
        initial: Where the search started (the model as written for parameters).
        low: The search's lower bound.
        high: The search's upper bound.
        entry: For a parameter, the index of its ``calibrate.parameters`` entry; else -1.
        element: For a parameter, the element's name, or None when shared over the entry's elements.
    """

    name: str
    kind: str
    value: float
    interval: float
    initial: float
    low: float
    high: float
    entry: int = -1
    element: str | None = None


@dataclass
class Identification:
    """What identification found, and how well the model replays the logs before and after.

    Attributes:
        values: Every identified unknown, parameters then delays then biases.
        channels: The compared channels.
        control_period: The env's control period, s.
        cost_before: The mean squared residual, each channel divided by its spread over the logs, with every
            unknown at its start.
        cost_after: The same at the identified values.
        channel_rms_before: Each channel's RMS residual in its own units, before.
        channel_rms_after: The same, after.
        iterations: Least-squares iterations run.
        seconds: Wall-clock seconds identification took.
        time: The first episode's times, for the report.
        measured: The first episode's measured channels, ``(T, channels)``.
        simulated_before: Its replay with every unknown at its start.
        simulated_after: Its replay at the identified values.
    """

    values: list[IdentifiedValue]
    channels: list[str]
    control_period: float
    cost_before: float
    cost_after: float
    channel_rms_before: list[float]
    channel_rms_after: list[float]
    iterations: int
    seconds: float
    time: np.ndarray = field(repr=False)
    measured: np.ndarray = field(repr=False)
    simulated_before: np.ndarray = field(repr=False)
    simulated_after: np.ndarray = field(repr=False)

    def of_kind(self, kind: str) -> list[IdentifiedValue]:
        """The identified values of one kind."""
        return [value for value in self.values if value.kind == kind]


def compared_channels(env_config: EnvConfig, log: TrajectoryLog, pattern: str | None) -> list[str]:
    """The logged channels identification compares: those matching ``pattern`` (all that measure the robot
    when None), in log order.

    Raises:
        RlkitError: Nothing is left to compare, or the pattern is not a regular expression.
    """
    measured = set(simulated_channels(replay_env(env_config)))
    names = [name for name in log.channel_names if name in measured]
    if pattern is not None:
        regex = _compile(pattern, "calibrate.channels")
        names = [name for name in names if regex.fullmatch(name)]
    if not names:
        raise RlkitError(
            "calibrate.channels: no logged channel is left to compare (logged: "
            f"{', '.join(log.channel_names[:20])}); name channels the env computes"
        )
    return names


class _Problem:
    """The residual of every unknown vector, and the layout of the vector."""

    def __init__(
        self, env_config: EnvConfig, config: CalibrateConfig, log: TrajectoryLog, threads: int | None
    ):
        self.log = log
        self.channels = compared_channels(env_config, log, config.channels)
        columns = [log.channel_names.index(name) for name in self.channels]
        self.log_columns = np.array(columns, dtype=np.int64)
        self.measured = log.channels[:, columns]
        spread = self.measured.std(axis=0)
        if not (np.abs(np.diff(log.controls, axis=0)) > 0).any():
            raise RlkitError(
                "the logs' controls never change: nothing excited the robot (drive every actuator, e.g. with "
                "'rlkit excite')"
            )
        if (spread <= _FLAT).all():
            raise RlkitError("the compared channels never change in the logs: the robot did not move")
        self.scale = np.where(spread > _FLAT, spread, np.inf)  # a flat channel weighs nothing
        self.spread = self.scale.copy()
        self.episodes = _segments(log, config.segment_seconds)
        self.first_compared = [
            int(np.searchsorted(log.time[rows] - log.time[rows.start], config.skip_seconds - 1e-12))
            for rows in self.episodes
        ]
        for rows, first in zip(self.episodes, self.first_compared, strict=True):
            if rows.stop - rows.start - first < 2:
                raise RlkitError(
                    f"an episode (or segment) of {rows.stop - rows.start} rows leaves nothing to compare "
                    "after "
                    f"calibrate.skip_seconds={config.skip_seconds:g}: log longer episodes, replay longer "
                    "segments (calibrate.segment_seconds) or skip less"
                )
        self.values = self._unknowns(env_config, config)
        self.physical = sum(1 for v in self.values if v.kind == "parameter")
        self.replay = LogReplay(
            env_config, config.parameters, log, self.channels, self.physical + len(config.delays) + 1, threads
        )
        self._expand = self._expansion(config)
        self.delay_groups = self._groups(config.delays, "delays")
        self.bias_columns = np.array(
            [self.channels.index(v.name.removeprefix("bias/")) for v in self.values if v.kind == "bias"],
            dtype=np.int64,
        )
        self.dt = self.replay.dt
        self.simulations = 0

    # ------------------------------------------------------------------------------------- the vector

    def _unknowns(self, env_config: EnvConfig, config: CalibrateConfig) -> list[IdentifiedValue]:
        probe = LogReplay(env_config, config.parameters, self.log, self.channels, 1, 1)
        values: list[IdentifiedValue] = []
        physics = probe.physics
        for index, entry in enumerate(config.parameters):
            assert physics is not None  # built from these entries
            names = physics.sampled_names[physics.entry_columns[index]]
            identity = 1.0 if entry.mode == "scale" else 0.0
            start = float(np.clip(identity, entry.low, entry.high))
            if entry.shared:
                label = f"{entry.parameter}/{entry.names}"
                values.append(
                    IdentifiedValue(label, "parameter", start, 0.0, start, entry.low, entry.high, index)
                )
                continue
            for name in names:
                element = name.split("/", 1)[1]
                values.append(
                    IdentifiedValue(
                        name, "parameter", start, 0.0, start, entry.low, entry.high, index, element
                    )
                )
        for delay in config.delays:
            values.append(IdentifiedValue(f"delay/{delay.channels}", "delay", 0.0, 0.0, 0.0, 0.0, delay.max))
        for bias in config.biases:
            chosen = self._matching(bias.channels, "biases")
            for name in chosen:
                column = self.channels.index(name)
                bound = 10.0 * float(np.abs(self.measured[:, column]).max() + self.measured[:, column].std())
                values.append(IdentifiedValue(f"bias/{name}", "bias", 0.0, 0.0, 0.0, -bound, bound))
        return values

    def _expansion(self, config: CalibrateConfig) -> np.ndarray:
        """The matrix taking the physical unknowns to the replay's sampled values, ``(samples, physical)``."""
        physics = self.replay.physics
        samples = len(self.replay.parameter_names)
        expand = np.zeros((samples, self.physical))
        unknown = 0
        for index, entry in enumerate(config.parameters):
            assert physics is not None
            columns = range(samples)[physics.entry_columns[index]]
            if entry.shared:
                expand[list(columns), unknown] = 1.0
                unknown += 1
                continue
            for column in columns:
                expand[column, unknown] = 1.0
                unknown += 1
        return expand

    def _matching(self, pattern: str, where: str) -> list[str]:
        regex = _compile(pattern, f"calibrate.{where}")
        chosen = [name for name in self.channels if regex.fullmatch(name)]
        if not chosen:
            raise RlkitError(
                f"calibrate.{where}: '{pattern}' matches no compared channel (compared: "
                f"{', '.join(self.channels[:20])})"
            )
        return chosen

    def _groups(self, groups: Sequence[object], where: str) -> list[np.ndarray]:
        return [
            np.array([self.channels.index(n) for n in self._matching(group.channels, where)])  # type: ignore[attr-defined]
            for group in groups
        ]

    def reweight(self, residual: np.ndarray) -> None:
        """Scale each channel by the RMS of its residual ``residual`` (normalized by the current scales)."""
        table = residual.reshape(-1, len(self.channels))
        weighed = np.isfinite(self.scale)  # a flat channel (infinite scale) stays weightless
        rms = np.sqrt(np.mean(table[:, weighed] ** 2, axis=0)) * self.scale[weighed]
        self.scale[weighed] = np.maximum(rms, 1e-6 * self.scale[weighed])

    def spread_cost(self, residual: np.ndarray) -> float:
        """The mean squared residual with each channel divided by its spread over the logs (whatever the
        current weights): how the fit is reported."""
        weighed = np.isfinite(self.scale)
        table = residual.reshape(-1, len(self.channels))[:, weighed] * (
            self.scale[weighed] / self.spread[weighed]
        )
        return float(np.sum(table**2) / (table.shape[0] * len(self.channels)))

    def start(self) -> np.ndarray:
        return np.array([v.initial for v in self.values])

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array([v.low for v in self.values]), np.array([v.high for v in self.values])

    # ----------------------------------------------------------------------------------- the residual

    def simulate(self, physical: np.ndarray, delays: np.ndarray) -> list[np.ndarray]:
        """Every episode replayed for each column of ``physical`` ``(physical, k)`` and ``delays``
        ``(groups, k)``: per episode ``(k, T, channels)``. A column's delays set where its replays start:
        what its delayed sensors show that late (:meth:`LogReplay.readings_at`)."""
        k = physical.shape[1]
        candidates = self.replay.candidates
        results: list[list[np.ndarray]] = [[] for _ in self.episodes]
        for start in range(0, k, candidates):
            count = min(candidates, k - start)
            chunk_physical = _pad(physical[:, start : start + count], candidates)
            chunk_delays = _pad(delays[:, start : start + count], candidates)
            self.replay.set_parameters(
                (self._expand @ chunk_physical).T if self.physical else np.zeros((candidates, 0))
            )
            shifts = np.zeros((candidates, len(self.log.channel_names)))
            for group, delay in zip(self.delay_groups, chunk_delays, strict=True):
                shifts[:, self.log_columns[group]] = delay[:, None]
            for index, rows in enumerate(self.episodes):
                readings = self.replay.readings_at(self.log, rows, shifts) if self.delay_groups else None
                results[index].append(self.replay.simulate(self.log, rows, readings)[:count])
            self.simulations += 1
        return [np.concatenate(parts, axis=0) for parts in results]

    def observe(
        self, simulated: np.ndarray, episode: int, delays: np.ndarray, biases: np.ndarray
    ) -> np.ndarray:
        """One episode's simulated channels ``(T, channels)`` as the sensors report them: delayed, biased."""
        out = simulated.copy()
        times = self.log.time[self.episodes[episode]]
        times = times - times[0]
        for group, delay in zip(self.delay_groups, delays, strict=True):
            if delay > 0:
                # a cubic spline, not linear interpolation: the residual is then smooth in the delay, which
                # least squares needs (linear interpolation kinks at every whole control step, where the
                # true delay usually is, and stalls the search there)
                spline = CubicSpline(times, simulated[:, group], axis=0)
                out[:, group] = spline(np.maximum(times - delay, 0.0))
        out[:, self.bias_columns] += biases
        return out

    def residual_of(self, simulated: list[np.ndarray], index: int, x: np.ndarray) -> np.ndarray:
        delays, biases = self._split(x)
        parts = []
        for episode, rows in enumerate(self.episodes):
            first = self.first_compared[episode]
            observed = self.observe(simulated[episode][index], episode, delays, biases)
            parts.append(((observed - self.measured[rows]) / self.scale)[first:].ravel())
        return np.concatenate(parts)

    def _split(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        delays = len(self.delay_groups)
        return x[self.physical : self.physical + delays], x[self.physical + delays :]

    def residual(self, x: np.ndarray) -> np.ndarray:
        """The residual of each column of ``x`` (``(n,)`` or ``(n, k)``), ``(m,)`` or ``(m, k)``."""
        columns = x.reshape(len(self.values), -1)
        replayed = self.physical + len(self.delay_groups)  # what a replay depends on; biases only add
        if replayed:
            unique, inverse = np.unique(columns[:replayed].T, axis=0, return_inverse=True)
        else:
            unique, inverse = np.zeros((1, 0)), np.zeros(columns.shape[1], dtype=np.int64)
        simulated = self.simulate(unique.T[: self.physical], unique.T[self.physical :])
        out = np.stack(
            [
                self.residual_of(simulated, int(inverse.reshape(-1)[j]), columns[:, j])
                for j in range(columns.shape[1])
            ],
            axis=1,
        )
        return out[:, 0] if x.ndim == 1 else out

    # ------------------------------------------------------------------------------------ the start

    def initial_delays_and_biases(self, x: np.ndarray) -> np.ndarray:
        """``x`` with each delay at the whole number of control steps that fits best (the biases at their
        best for each), then each bias at the mean offset of its channel."""
        x = x.copy()
        delays = len(self.delay_groups)
        for g, (group, value) in enumerate(
            zip(self.delay_groups, self.values[self.physical :], strict=False)
        ):
            steps = np.arange(int(np.floor(value.high / self.dt + 1e-9)) + 1)
            trials = np.repeat(x[:, None], len(steps), axis=1)
            trials[self.physical + g] = steps * self.dt
            simulated = self.simulate(trials[: self.physical], trials[self.physical : self.physical + delays])
            costs = []
            for index in range(len(steps)):
                trial = trials[:, index].copy()
                trial[self.physical + delays :] = self._best_biases(simulated, index, trial)
                residual = self.residual_of(simulated, index, trial).reshape(-1, len(self.channels))
                costs.append(float(np.sum(residual[:, group] ** 2)))
            x[self.physical + g] = float(steps[int(np.argmin(costs))] * self.dt)
        simulated = self.simulate(x[: self.physical, None], x[self.physical : self.physical + delays, None])
        x[self.physical + delays :] = self._best_biases(simulated, 0, x)
        return x

    def _best_biases(self, simulated: list[np.ndarray], index: int, x: np.ndarray) -> np.ndarray:
        if not self.bias_columns.size:
            return np.zeros(0)
        delays, _ = self._split(x)
        offsets = []
        for episode, rows in enumerate(self.episodes):
            first = self.first_compared[episode]
            observed = self.observe(
                simulated[episode][index], episode, delays, np.zeros(self.bias_columns.size)
            )
            offsets.append((self.measured[rows] - observed)[first:][:, self.bias_columns])
        low, high = self.bounds()
        count = len(self.bias_columns)
        return np.clip(np.concatenate(offsets).mean(axis=0), low[-count:], high[-count:])


def identify(
    env_config: EnvConfig,
    config: CalibrateConfig,
    log: TrajectoryLog,
    threads: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Identification:
    """Identify ``config``'s unknowns from ``log`` on the model of ``env_config`` (see the module docstring).

    Args:
        env_config: The env the logs were recorded on (``calibrate.logged_with`` already applied).
        config: The ``calibrate`` section.
        log: Every log, concatenated (:func:`~rlkit.sysid.trajectory_log.concatenate_logs`).
        threads: Threads that replay the candidates (None: one per CPU core).
        progress: Called with a line per least-squares iteration.

    Raises:
        RlkitError: The logs do not fit the env, excite nothing, or a group names no compared channel.
    """
    began = time.perf_counter()
    problem = _Problem(env_config, config, log, threads)
    if not problem.values:
        raise RlkitError("calibrate: nothing to identify: name parameters, delays or biases")
    start = problem.initial_delays_and_biases(problem.start())
    iterations = [0]

    def on_iteration(trace: list[Any]) -> None:
        iterations[0] += 1
        if progress is not None:
            progress(f"iteration {iterations[0]}: cost {2.0 * float(trace[-1].objective):.6g}")

    def solve(on: _Problem, x0: np.ndarray) -> np.ndarray:
        return _least_squares(on, x0, config.iterations, on_iteration)

    # the continuation: fits on shorter segments first, each from where the last ended
    begin = start
    for seconds in config.continuation_seconds:
        stage = _Problem(env_config, config.model_copy(update={"segment_seconds": seconds}), log, threads)
        if progress is not None:
            progress(f"continuation: segments of {seconds:g} s")
        begin = solve(stage, stage.initial_delays_and_biases(begin))
    if config.continuation_seconds:
        begin = problem.initial_delays_and_biases(begin)
        if progress is not None:
            segments = "whole episodes" if config.segment_seconds is None else f"{config.segment_seconds:g} s"
            progress(f"continuation: segments of {segments}")

    rms_before = _channel_rms(problem.residual(start), problem)
    first_fit = solve(problem, begin)
    # Second pass, weighted as maximum likelihood weighs: each channel by its own noise, estimated from what
    # the first fit leaves unexplained (a velocity read through a noisy encoder then counts less than a
    # clean position, however much both move).
    problem.reweight(problem.residual(first_fit))
    best = solve(problem, first_fit)
    before, after = problem.residual(np.stack([start, best], axis=1)).T
    intervals = _intervals(problem, best, after, config.confidence)
    values = [
        IdentifiedValue(
            v.name,
            v.kind,
            float(best[i]),
            float(intervals[i]),
            float(start[i]),
            v.low,
            v.high,
            v.entry,
            v.element,
        )
        for i, v in enumerate(problem.values)
    ]
    first = problem.episodes[0]
    both = np.stack([start, best], axis=1)
    replayed = problem.physical + len(problem.delay_groups)
    simulated = problem.simulate(both[: problem.physical], both[problem.physical : replayed])
    delays_before, biases_before = problem._split(start)
    delays_after, biases_after = problem._split(best)
    before_first = problem.observe(simulated[0][0], 0, delays_before, biases_before)
    after_first = problem.observe(simulated[0][1], 0, delays_after, biases_after)
    return Identification(
        values=values,
        channels=problem.channels,
        control_period=problem.dt,
        cost_before=problem.spread_cost(before),
        cost_after=problem.spread_cost(after),
        channel_rms_before=rms_before,
        channel_rms_after=_channel_rms(after, problem),
        iterations=iterations[0],
        seconds=time.perf_counter() - began,
        time=log.time[first] - log.time[first.start],
        measured=problem.measured[first],
        simulated_before=before_first,
        simulated_after=after_first,
    )


def _least_squares(
    problem: _Problem, x0: np.ndarray, iterations: int, on_iteration: Callable[[list[Any]], None]
) -> np.ndarray:
    """``problem``'s unknowns that minimize its residual, searched from ``x0`` within their bounds by
    mujoco.sysid's least squares (at most ``iterations`` iterations)."""
    parameters = sysid.ParameterDict()
    for index, value in enumerate(problem.values):
        parameters.add(
            sysid.Parameter(f"x{index}", nominal=float(x0[index]), min_value=value.low, max_value=value.high)
        )

    def residual_fn(x: np.ndarray, _params: sysid.ParameterDict) -> tuple[list[np.ndarray], None, None]:
        return [problem.residual(np.asarray(x))], None, None

    # the backend's own per-iteration table goes to a buffer: progress reports the iterations instead
    optimized, _ = sysid.optimize(
        parameters,
        residual_fn,
        optimizer="mujoco",
        verbose=False,
        max_iters=iterations,
        output=io.StringIO(),
        iter_callback=on_iteration,
        x_scale="jac",
    )
    return np.asarray(optimized.as_vector(), dtype=float)


def _pad(columns: np.ndarray, width: int) -> np.ndarray:
    """``columns`` with its last column repeated up to ``width`` columns (a batch's unused sims)."""
    return np.concatenate([columns, np.repeat(columns[:, -1:], width - columns.shape[1], axis=1)], axis=1)


def _segments(log: TrajectoryLog, seconds: float | None) -> list[slice]:
    """The log's episodes, each cut into pieces of ``seconds`` (None: whole); a last piece too short to
    compare joins the one before it."""
    if seconds is None:
        return log.episode_slices()
    pieces = []
    for rows in log.episode_slices():
        length = max(2, round(seconds / log.control_period()))
        starts = list(range(rows.start, rows.stop, length))
        if len(starts) > 1 and rows.stop - starts[-1] < length // 2:
            starts.pop()
        pieces += [slice(a, b) for a, b in itertools.pairwise([*starts, rows.stop])]
    return pieces


def _intervals(problem: _Problem, best: np.ndarray, residual: np.ndarray, confidence: float) -> np.ndarray:
    """The confidence half-widths at ``best`` from a forward-difference Jacobian (one batch of replays)."""
    n = best.size
    _, high = problem.bounds()
    steps = _JACOBIAN_STEP * np.maximum(1.0, np.abs(best))
    # step away from an upper bound rather than across it
    steps = np.where(best + steps > high, -steps, steps)
    points = best[:, None] + np.diag(steps)
    jacobian = (problem.residual(points) - residual[:, None]) / steps[None, :]
    _, intervals = sysid.calculate_intervals([residual], jacobian, alpha=1.0 - confidence)
    return np.asarray(intervals, dtype=float).reshape(n)


def _channel_rms(residual: np.ndarray, problem: _Problem) -> list[float]:
    """Each channel's RMS residual in its own units (the normalized residual times its spread)."""
    table = residual.reshape(-1, len(problem.channels))
    scale = np.where(np.isfinite(problem.scale), problem.scale, 0.0)
    return [float(v) for v in np.sqrt(np.mean(table**2, axis=0)) * scale]


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise RlkitError(f"{where}: '{pattern}' is not a regular expression ({exc})") from None
