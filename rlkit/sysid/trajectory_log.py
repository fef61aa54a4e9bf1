"""A robot's logged motion: the controls it was sent and the channels it measured, one row per control step.

This is the file ``rlkit calibrate`` identifies a model from, ``rlkit eval RUN --record FILE`` and
``rlkit excite`` write, and a robot's own logger can write with a few lines of NumPy or a CSV writer.

Row ``t`` holds what was **measured** at ``time[t]`` and the **controls sent** at ``time[t]``, which act until
``time[t + 1]`` (so the last row's controls act on nothing that was logged). The first row's measurement is
the episode's initial state as the robot saw it. Rows follow each other at the control period; an
``episode`` column splits a file into independent runs, each replayed from its own first row.

Channels are named as rlkit names an env's observation channels (``MujocoEnv.observation_names``:
``joint_positions:FR_hip_joint``, ``qpos:right_knee``, a sensor's name, ``projected_gravity[z]``), controls
by the name of the MuJoCo actuator they drive, in its ``ctrl`` units (a position target in radians for a
position actuator, a torque for a motor). The base pose (``x y z qw qx qy qz``, world frame) is optional:
where it is logged, a floating-base robot's replay starts from it.

Two file formats hold the same content:

* **NPZ** (``numpy.savez``): arrays ``time`` ``(T,)``, ``controls`` ``(T, nu)``, ``channels`` ``(T, C)``,
  string arrays ``control_names`` ``(nu,)`` and ``channel_names`` ``(C,)``; optional ``episode`` ``(T,)``
  integers and ``base_pose`` ``(T, 7)``.
* **CSV**: a header row, then one row per control step: ``time``, optionally ``episode``, one ``ctrl:<name>``
  column per actuator, one column per channel, optionally ``base_pose[x]`` ... ``base_pose[qz]``.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from rlkit.errors import RlkitError
from rlkit.files import atomic_write

#: The base pose's columns: position, then orientation as a unit quaternion (w first, as MuJoCo's).
BASE_POSE_NAMES = ("x", "y", "z", "qw", "qx", "qy", "qz")
#: The prefix of a control's CSV column.
CONTROL_PREFIX = "ctrl:"
#: Fewer rows than this in an episode identify nothing.
MIN_ROWS = 10
#: Formats by file suffix.
FORMATS = (".npz", ".csv")


@dataclass(frozen=True)
class TrajectoryLog:
    """Logged motion: see the module docstring for what each row means.

    Attributes:
        time: Seconds, ``(T,)``, strictly increasing within each episode.
        controls: The controls sent at each row, ``(T, nu)``, columns in :attr:`control_names` order.
        control_names: The actuator each control column drives.
        channels: What was measured at each row, ``(T, C)``, columns in :attr:`channel_names` order.
        channel_names: rlkit's name of each measured channel.
        episodes: Each row's episode index, ``(T,)``; rows of one episode are contiguous.
        base_pose: The floating base's pose at each row, ``(T, 7)`` (``x y z qw qx qy qz``), or None.
    """

    time: np.ndarray
    controls: np.ndarray
    control_names: tuple[str, ...]
    channels: np.ndarray
    channel_names: tuple[str, ...]
    episodes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    base_pose: np.ndarray | None = None

    def __post_init__(self) -> None:
        rows = len(self.time)
        if self.episodes.size == 0 and rows:
            object.__setattr__(self, "episodes", np.zeros(rows, dtype=np.int64))

    # ---------------------------------------------------------------------------------------- views

    @property
    def rows(self) -> int:
        """Rows (control steps) over every episode."""
        return len(self.time)

    def episode_slices(self) -> list[slice]:
        """Each episode's rows, in file order."""
        if self.rows == 0:
            return []
        starts = np.flatnonzero(np.diff(self.episodes) != 0) + 1
        bounds = [0, *starts.tolist(), self.rows]
        return [slice(a, b) for a, b in itertools.pairwise(bounds)]

    def control_period(self) -> float:
        """The median seconds between rows of one episode."""
        steps = np.concatenate([np.diff(self.time[rows]) for rows in self.episode_slices()])
        return float(np.median(steps)) if steps.size else 0.0

    def channel(self, name: str) -> np.ndarray:
        """The column of channel ``name``."""
        return self.channels[:, self.channel_names.index(name)]

    def select_channels(self, names: Sequence[str]) -> TrajectoryLog:
        """This log with only channels ``names``, in that order."""
        columns = [self.channel_names.index(name) for name in names]
        return TrajectoryLog(
            self.time,
            self.controls,
            self.control_names,
            self.channels[:, columns],
            tuple(names),
            self.episodes,
            self.base_pose,
        )

    # ----------------------------------------------------------------------------------------- files

    def save(self, path: str | Path) -> Path:
        """Write the log to ``path`` (``.npz`` or ``.csv``), atomically; the path written."""
        path = Path(path)
        _check_suffix(path)
        self.validate(str(path))
        if path.suffix == ".npz":
            atomic_write(path, self._write_npz)
        else:
            atomic_write(path, lambda handle: handle.write(self.to_csv().encode()))
        return path

    def _write_npz(self, handle: BinaryIO) -> None:
        arrays = {
            "time": self.time,
            "controls": self.controls,
            "control_names": np.array(self.control_names, dtype=str),
            "channels": self.channels,
            "channel_names": np.array(self.channel_names, dtype=str),
            "episode": self.episodes,
        }
        if self.base_pose is not None:
            arrays["base_pose"] = self.base_pose
        np.savez(handle, **arrays)  # type: ignore[arg-type]

    def to_csv(self) -> str:
        """The log as CSV text (see the module docstring)."""
        header = ["time", "episode", *(CONTROL_PREFIX + name for name in self.control_names)]
        header += list(self.channel_names)
        columns = [self.time[:, None], self.episodes[:, None], self.controls, self.channels]
        if self.base_pose is not None:
            header += [f"base_pose[{name}]" for name in BASE_POSE_NAMES]
            columns.append(self.base_pose)
        table = np.concatenate([np.asarray(c, dtype=np.float64) for c in columns], axis=1)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for row, episode in zip(table, self.episodes.tolist(), strict=True):
            values = [repr(float(v)) for v in row]
            values[1] = str(int(episode))
            writer.writerow(values)
        return out.getvalue()

    def validate(self, source: str = "the log") -> None:
        """Raise one line naming ``source`` and what is wrong when the log cannot be replayed.

        Checks shapes and names, finite values, time strictly increasing within each episode (and rows of
        one episode together), and at least :data:`MIN_ROWS` rows per episode.

        Raises:
            RlkitError: What is wrong, and what would be valid.
        """
        rows = self.rows
        shapes = {
            "controls": (self.controls, len(self.control_names)),
            "channels": (self.channels, len(self.channel_names)),
        }
        for name, (array, width) in shapes.items():
            if array.ndim != 2 or array.shape != (rows, width):
                raise RlkitError(
                    f"{source}: '{name}' must be ({rows}, {width}) (one row per time, one column per name), "
                    f"got {array.shape}"
                )
        if self.time.ndim != 1 or self.episodes.shape != (rows,):
            raise RlkitError(f"{source}: 'time' and 'episode' must be one value per row")
        if self.base_pose is not None and self.base_pose.shape != (rows, 7):
            raise RlkitError(f"{source}: 'base_pose' must be ({rows}, 7): x y z qw qx qy qz per row")
        if not self.control_names:
            raise RlkitError(f"{source}: no controls: log the control each actuator was sent")
        if not self.channel_names:
            raise RlkitError(f"{source}: no measured channels")
        for kind, names in (("control", self.control_names), ("channel", self.channel_names)):
            duplicates = sorted({name for name in names if names.count(name) > 1})
            if duplicates:
                raise RlkitError(f"{source}: {kind} names appear twice: {', '.join(duplicates)}")
        for name, array in (("time", self.time), ("controls", self.controls), ("channels", self.channels)):
            bad = ~np.isfinite(array)
            if bad.any():
                row = int(np.argwhere(bad)[0][0])
                raise RlkitError(f"{source}: '{name}' is not finite (NaN or infinite) at row {row}")
        seen: set[int] = set()
        for rows_of in self.episode_slices():
            episode = int(self.episodes[rows_of.start])
            if episode in seen:
                raise RlkitError(f"{source}: the rows of episode {episode} are not together")
            seen.add(episode)
            times = self.time[rows_of]
            if len(times) < MIN_ROWS:
                raise RlkitError(
                    f"{source}: episode {episode} has {len(times)} rows; at least {MIN_ROWS} control steps "
                    "are needed to identify anything"
                )
            back = np.flatnonzero(np.diff(times) <= 0)
            if back.size:
                row = rows_of.start + int(back[0]) + 1
                raise RlkitError(
                    f"{source}: time does not increase at row {row} ({times[back[0]]:g} s, then "
                    f"{times[back[0] + 1]:g} s): rows must follow each other in time"
                )


def _check_suffix(path: Path) -> None:
    if path.suffix not in FORMATS:
        raise RlkitError(
            f"log file '{path}': the suffix must be .npz or .csv, got '{path.suffix or '(none)'}'"
        )


def check_log_path(path: str | Path) -> Path:
    """``path`` as a Path once its suffix names a format: a command checks it before it runs anything.

    Raises:
        RlkitError: The suffix is neither ``.npz`` nor ``.csv``.
    """
    path = Path(path)
    _check_suffix(path)
    return path


def load_log(path: str | Path) -> TrajectoryLog:
    """Read and validate a log written as the module docstring describes.

    Raises:
        RlkitError: The file is missing, unreadable, not in either format, or fails
            :meth:`TrajectoryLog.validate`.
    """
    path = Path(path)
    _check_suffix(path)
    if not path.is_file():
        raise RlkitError(f"log file '{path}' does not exist")
    log = _read_npz(path) if path.suffix == ".npz" else _read_csv(path)
    log.validate(f"log file '{path}'")
    return log


def _read_npz(path: Path) -> TrajectoryLog:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise RlkitError(f"log file '{path}' is not a readable NPZ file: {exc}") from None
    missing = [
        name
        for name in ("time", "controls", "control_names", "channels", "channel_names")
        if name not in arrays
    ]
    if missing:
        raise RlkitError(
            f"log file '{path}' lacks {', '.join(missing)}: an NPZ log holds time, controls, control_names, "
            "channels, channel_names (and optionally episode, base_pose)"
        )
    episodes = arrays.get("episode")
    return TrajectoryLog(
        time=np.asarray(arrays["time"], dtype=np.float64),
        controls=np.atleast_2d(np.asarray(arrays["controls"], dtype=np.float64)),
        control_names=tuple(str(n) for n in arrays["control_names"]),
        channels=np.atleast_2d(np.asarray(arrays["channels"], dtype=np.float64)),
        channel_names=tuple(str(n) for n in arrays["channel_names"]),
        episodes=np.zeros(0, dtype=np.int64) if episodes is None else np.asarray(episodes, dtype=np.int64),
        base_pose=None if "base_pose" not in arrays else np.asarray(arrays["base_pose"], dtype=np.float64),
    )


def _read_csv(path: Path) -> TrajectoryLog:
    try:
        with path.open(newline="") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            rows = [row for row in reader if row]
    except (OSError, UnicodeDecodeError) as exc:
        raise RlkitError(f"log file '{path}' is not a readable CSV file: {exc}") from None
    if "time" not in header:
        raise RlkitError(f"log file '{path}': the header has no 'time' column (got: {', '.join(header[:8])})")
    try:
        table = np.array([[float(value) for value in row] for row in rows], dtype=np.float64)
    except ValueError as exc:
        raise RlkitError(f"log file '{path}': a value is not a number ({exc})") from None
    if table.size and table.shape[1] != len(header):
        raise RlkitError(f"log file '{path}': rows must have {len(header)} values, one per header column")
    table = table.reshape(len(rows), len(header))
    pose_names = [f"base_pose[{name}]" for name in BASE_POSE_NAMES]
    controls = [i for i, name in enumerate(header) if name.startswith(CONTROL_PREFIX)]
    pose = [header.index(name) for name in pose_names if name in header]
    if pose and len(pose) != len(pose_names):
        raise RlkitError(f"log file '{path}': the base pose needs all of {', '.join(pose_names)}")
    special = {header.index("time"), *controls, *pose}
    if "episode" in header:
        special.add(header.index("episode"))
    channels = [i for i in range(len(header)) if i not in special]
    return TrajectoryLog(
        time=table[:, header.index("time")],
        controls=table[:, controls],
        control_names=tuple(header[i][len(CONTROL_PREFIX) :] for i in controls),
        channels=table[:, channels],
        channel_names=tuple(header[i] for i in channels),
        episodes=(
            table[:, header.index("episode")].astype(np.int64)
            if "episode" in header
            else np.zeros(0, dtype=np.int64)
        ),
        base_pose=table[:, pose] if pose else None,
    )


def concatenate_logs(logs: Sequence[TrajectoryLog]) -> TrajectoryLog:
    """One log of several, each a run of episodes of its own (episode indices renumbered).

    Raises:
        RlkitError: The logs name different controls or channels.
    """
    first = logs[0]
    for other in logs[1:]:
        if other.control_names != first.control_names or other.channel_names != first.channel_names:
            raise RlkitError("the logs must name the same controls and channels, in the same order")
    episodes, offset = [], 0
    for log in logs:
        _, renumbered = np.unique(log.episodes, return_inverse=True)
        episodes.append(renumbered + offset)
        offset += int(renumbered.max()) + 1 if log.rows else 0
    poses = [log.base_pose for log in logs]
    return TrajectoryLog(
        time=np.concatenate([log.time for log in logs]),
        controls=np.concatenate([log.controls for log in logs]),
        control_names=first.control_names,
        channels=np.concatenate([log.channels for log in logs]),
        channel_names=first.channel_names,
        episodes=np.concatenate(episodes),
        base_pose=None if any(p is None for p in poses) else np.concatenate(poses),  # type: ignore[arg-type]
    )
