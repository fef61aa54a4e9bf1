"""Convert a robot's ROS logs (CSV exports of ``/joint_states`` and of the command topic) into an rlkit log.

    python examples/robot_logs/ros_to_rlkit_log.py JOINT_STATES.csv COMMANDS.csv --period 0.02 \\
        --output robot.npz [--model robot.xml --keyframe home] [--actuators a,b,...]

``JOINT_STATES.csv``: one row per ``sensor_msgs/JointState`` message, with columns ``time`` (seconds; or
``%time``, nanoseconds, as ``rostopic echo -p`` writes it) and ``name[i]``, ``position[i]``, ``velocity[i]``
(``effort[i]`` is ignored; ``field.name0``-style columns work too). ``COMMANDS.csv``: one row per command
sent, ``time`` and one column per actuator, named as the MuJoCo model names the actuator, in its ``ctrl``
units (a ``data[i]`` / ``field.dataN`` array is named with ``--actuators``).

Both are resampled onto the control period from the first moment both have data: joint states linearly
interpolated, commands held (a command sent acts until the next, as a log's controls do). Channels are named
as rlkit's observation terms name them, ``joint_positions:<joint>`` (relative to the task's default pose: give
``--model`` and ``--keyframe`` to subtract it) and ``joint_velocities:<joint>``; controls ``ctrl:<actuator>``.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import mujoco
import numpy as np

from rlkit.errors import RlkitError
from rlkit.sysid.trajectory_log import CONTROL_PREFIX, TrajectoryLog, check_log_path

#: ``name[3]``, ``position3``, ``field.velocity3``: a JointState array's entry.
_ENTRY = re.compile(r"^(?:field\.)?(name|position|velocity|effort|data)\[?(\d+)\]?$")


def read_table(path: Path) -> tuple[np.ndarray, list[dict[str, str]]]:
    """Each row's time in seconds and its other columns by (normalized) name, in time order."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise RlkitError(f"'{path}' has no rows")
    if "time" in rows[0]:
        times = np.array([float(row["time"]) for row in rows])
    elif "%time" in rows[0]:  # rostopic echo -p: nanoseconds
        times = np.array([float(row["%time"]) for row in rows]) * 1e-9
    else:
        raise RlkitError(f"'{path}' has no 'time' (seconds) or '%time' (nanoseconds) column")
    order = np.argsort(times, kind="stable")
    normalized = [{_normalized(key): value for key, value in row.items()} for row in rows]
    return times[order], [normalized[i] for i in order]


def _normalized(column: str) -> str:
    match = _ENTRY.match(column.strip())
    return f"{match.group(1)}[{match.group(2)}]" if match else column.strip()


def joint_states(path: Path) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Times, joint names, positions and velocities ``(rows, joints)`` of a ``/joint_states`` export; each row
    is matched by name, so messages may list the joints in any order."""
    times, rows = read_table(path)
    names: list[str] = []  # in the order they first appear
    for row in rows:
        names += [row[key] for key in _name_columns(row) if row[key] and row[key] not in names]
    if not names:
        raise RlkitError(f"'{path}' has no name[i] columns: export /joint_states with its name array")
    positions = np.full((len(rows), len(names)), np.nan)
    velocities = np.full((len(rows), len(names)), np.nan)
    for r, row in enumerate(rows):
        for key in _name_columns(row):
            if row[key]:
                i, j = key[5:-1], names.index(row[key])
                positions[r, j] = float(row.get(f"position[{i}]") or "nan")
                velocities[r, j] = float(row.get(f"velocity[{i}]") or "nan")
    return times, names, positions, velocities


def _name_columns(row: dict[str, str]) -> list[str]:
    return sorted((key for key in row if key.startswith("name[")), key=lambda key: int(key[5:-1]))


def commands(path: Path, actuators: Sequence[str]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Times, actuator names and values ``(rows, actuators)`` of a command export."""
    times, rows = read_table(path)
    columns = [key for key in rows[0] if key not in ("time", "%time") and not key.startswith("field.layout")]
    data = [key for key in columns if key.startswith("data[")]
    if data:
        if len(actuators) != len(data):
            raise RlkitError(f"'{path}' has {len(data)} data[i] columns: name them with --actuators a,b,...")
        names, columns = list(actuators), data
    else:
        names = [key.removeprefix(CONTROL_PREFIX) for key in columns]
    values = np.array([[float(row[key]) for key in columns] for row in rows])
    return times, names, values


def default_pose(model_path: Path, keyframe: str | None, joints: Sequence[str]) -> np.ndarray:
    """Each joint's angle in keyframe ``keyframe`` of the model (its ``qpos0`` when None)."""
    model = mujoco.MjModel.from_xml_path(str(model_path))
    qpos = model.qpos0
    if keyframe is not None:
        key = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_KEY, keyframe)
        if key < 0:
            raise RlkitError(f"model '{model_path}' has no keyframe '{keyframe}'")
        qpos = model.key_qpos[key]
    pose = []
    for joint in joints:
        index = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, joint)
        if index < 0:
            raise RlkitError(f"model '{model_path}' has no joint '{joint}' (named in the joint states)")
        pose.append(qpos[model.jnt_qposadr[index]])
    return np.array(pose)


def convert(
    states_path: Path,
    commands_path: Path,
    period: float,
    actuators: Sequence[str] = (),
    model: Path | None = None,
    keyframe: str | None = None,
) -> TrajectoryLog:
    """The two exports resampled onto ``period`` as one episode of an rlkit log (time from 0)."""
    state_times, joints, positions, velocities = joint_states(states_path)
    command_times, names, values = commands(commands_path, actuators)
    start = max(state_times[0], command_times[0])
    stop = min(state_times[-1], command_times[-1])
    grid = start + np.arange(int(np.floor((stop - start) / period + 1e-9)) + 1) * period

    def interpolated(columns: np.ndarray) -> np.ndarray:
        out = np.empty((len(grid), columns.shape[1]))
        for j in range(columns.shape[1]):
            known = np.isfinite(columns[:, j])
            out[:, j] = np.interp(grid, state_times[known], columns[known, j])
        return out

    joint_positions = interpolated(positions)
    if model is not None:
        joint_positions -= default_pose(model, keyframe, joints)
    # the command in force at each grid time: the last one sent at or before it
    held = values[np.searchsorted(command_times, grid + 1e-9, side="right") - 1]
    return TrajectoryLog(
        time=np.arange(len(grid)) * period,  # from 0: an epoch's 1.7e9 s would blur the period's digits
        controls=held,
        control_names=tuple(names),
        channels=np.concatenate([joint_positions, interpolated(velocities)], axis=1),
        channel_names=(
            *(f"joint_positions:{joint}" for joint in joints),
            *(f"joint_velocities:{joint}" for joint in joints),
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Convert, write the log, and say what was written (exit status 2 and one line on bad input)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("joint_states", type=Path, help="CSV export of /joint_states")
    parser.add_argument(
        "commands", type=Path, help="CSV export of the commands sent, one column per actuator"
    )
    parser.add_argument("--period", type=float, required=True, help="the env's control period, seconds")
    parser.add_argument("--output", type=Path, required=True, help="the rlkit log to write (.npz or .csv)")
    parser.add_argument("--model", type=Path, help="the robot's MJCF, for the default pose")
    parser.add_argument("--keyframe", help="the task's default pose (env.task.keyframe) in --model")
    parser.add_argument("--actuators", default="", help="names of the command's data[i] columns, in order")
    args = parser.parse_args(argv)
    try:
        output = check_log_path(args.output)
        if args.period <= 0:
            raise RlkitError(f"--period must be positive, got {args.period:g}")
        actuators = [name for name in args.actuators.split(",") if name]
        log = convert(args.joint_states, args.commands, args.period, actuators, args.model, args.keyframe)
        log.save(output)
    except (RlkitError, OSError, ValueError, KeyError) as exc:
        print(f"ros_to_rlkit_log: error: {exc}", file=sys.stderr)
        return 2
    if args.model is None:
        print(
            "note: joint positions written as measured; rlkit's joint_positions channels are relative to the "
            "task's default pose (give --model and --keyframe to subtract it)",
            file=sys.stderr,
        )
    print(
        f"{log.rows} rows at {args.period:g} s: {len(log.control_names)} controls, "
        f"{len(log.channel_names)} channels; wrote {output}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
