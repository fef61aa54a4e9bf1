"""The log format: NPZ and CSV round trips to the bit, what a robot's own logger writes, joining runs, and
every validation error as one line naming the file and what is wrong."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rlkit.errors import RlkitError
from rlkit.sysid.trajectory_log import MIN_ROWS, TrajectoryLog, check_log_path, concatenate_logs, load_log


def sample_log(rows: int = 12, episodes: int = 2, pose: bool = True) -> TrajectoryLog:
    """``episodes`` episodes of ``rows`` rows each: awkward floats, two controls, three channels."""
    rng = np.random.default_rng(0)
    total = rows * episodes
    return TrajectoryLog(
        time=np.tile(np.arange(rows) * 0.02, episodes) + 1e-3 / 3,
        controls=rng.normal(size=(total, 2)) * np.pi,
        control_names=("shoulder", "elbow"),
        channels=rng.normal(size=(total, 3)) * 1e-7,
        channel_names=("joint_positions:shoulder", "qvel:elbow", "projected_gravity[z]"),
        episodes=np.repeat(np.arange(episodes), rows),
        base_pose=rng.normal(size=(total, 7)) if pose else None,
    )


def assert_same(a: TrajectoryLog, b: TrajectoryLog) -> None:
    for name in ("time", "controls", "channels", "episodes"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.control_names == b.control_names and a.channel_names == b.channel_names
    if a.base_pose is None:
        assert b.base_pose is None
    else:
        assert b.base_pose is not None
        np.testing.assert_array_equal(a.base_pose, b.base_pose)


@pytest.mark.parametrize("suffix", [".npz", ".csv"])
@pytest.mark.parametrize("pose", [True, False])
def test_round_trip_to_the_bit(tmp_path: Path, suffix: str, pose: bool) -> None:
    log = sample_log(pose=pose)
    path = log.save(tmp_path / f"log{suffix}")
    assert_same(log, load_log(path))
    assert [p.name for p in tmp_path.iterdir()] == [f"log{suffix}"]  # no temp file left behind


def test_csv_columns_and_views(tmp_path: Path) -> None:
    log = sample_log(rows=10, episodes=1)
    header = log.to_csv().splitlines()[0].split(",")
    assert header[:4] == ["time", "episode", "ctrl:shoulder", "ctrl:elbow"]
    assert header[4:7] == list(log.channel_names)
    assert header[7:] == [f"base_pose[{n}]" for n in ("x", "y", "z", "qw", "qx", "qy", "qz")]
    assert log.control_period() == pytest.approx(0.02)
    np.testing.assert_array_equal(log.channel("qvel:elbow"), log.channels[:, 1])
    picked = log.select_channels(["projected_gravity[z]", "qvel:elbow"])
    np.testing.assert_array_equal(picked.channels, log.channels[:, [2, 1]])


def test_a_robot_loggers_own_files_load(tmp_path: Path) -> None:
    """What a robot writes with numpy.savez or a CSV writer, without the optional episode and pose."""
    time = np.arange(MIN_ROWS) * 0.01
    np.savez(
        tmp_path / "robot.npz",
        time=time,
        controls=np.ones((MIN_ROWS, 1)),
        control_names=np.array(["knee"]),
        channels=np.zeros((MIN_ROWS, 1)),
        channel_names=np.array(["qpos:knee"]),
    )
    loaded = load_log(tmp_path / "robot.npz")
    assert loaded.base_pose is None and loaded.episodes.tolist() == [0] * MIN_ROWS
    rows = "\n".join(f"{t},0.5,{t * 2}" for t in time)
    (tmp_path / "robot.csv").write_text(f"time, ctrl:knee, qpos:knee\n{rows}\n")
    loaded = load_log(tmp_path / "robot.csv")
    assert loaded.control_names == ("knee",) and loaded.channel_names == ("qpos:knee",)
    np.testing.assert_array_equal(loaded.channels[:, 0], time * 2)


def test_concatenated_logs_renumber_their_episodes() -> None:
    first, second = sample_log(episodes=2), sample_log(episodes=3)
    joined = concatenate_logs([first, second])
    assert joined.rows == first.rows + second.rows
    assert [int(joined.episodes[s.start]) for s in joined.episode_slices()] == [0, 1, 2, 3, 4]
    with pytest.raises(RlkitError, match="same controls and channels"):
        concatenate_logs([first, first.select_channels(["qvel:elbow"])])


def _broken(**changes: object) -> TrajectoryLog:
    return replace(sample_log(), **changes)


LOG = sample_log()
SHORT_TIME = LOG.time.copy()
SHORT_TIME[5] = SHORT_TIME[4]
NAN_CONTROLS = LOG.controls.copy()
NAN_CONTROLS[3, 1] = np.nan
INF_CHANNELS = LOG.channels.copy()
INF_CHANNELS[7, 0] = np.inf
NAN_TIME = LOG.time.copy()
NAN_TIME[2] = np.nan
LONG = sample_log(rows=15)
SPLIT = LONG.episodes.copy()
SPLIT[-3:] = 0  # episode 0 again after 12 rows of episode 1

INVALID = {
    "controls shape": (_broken(controls=LOG.controls[:, :1]), r"'controls' must be \(24, 2\)"),
    "channels shape": (_broken(channels=LOG.channels[:-1]), r"'channels' must be \(24, 3\)"),
    "episode per row": (_broken(episodes=LOG.episodes[:-1]), "one value per row"),
    "base pose shape": (_broken(base_pose=LOG.base_pose[:, :3]), r"'base_pose' must be \(24, 7\)"),  # type: ignore[index]
    "no controls": (
        _broken(controls=np.zeros((24, 0)), control_names=()),
        "no controls: log the control each actuator was sent",
    ),
    "no channels": (_broken(channels=np.zeros((24, 0)), channel_names=()), "no measured channels"),
    "duplicate channel": (
        _broken(channel_names=("a", "b", "a")),
        "channel names appear twice: a",
    ),
    "duplicate control": (_broken(control_names=("knee", "knee")), "control names appear twice: knee"),
    "nan time": (_broken(time=NAN_TIME), "'time' is not finite .* at row 2"),
    "nan control": (_broken(controls=NAN_CONTROLS), "'controls' is not finite .* at row 3"),
    "infinite channel": (_broken(channels=INF_CHANNELS), "'channels' is not finite .* at row 7"),
    "episode split": (replace(LONG, episodes=SPLIT), "the rows of episode 0 are not together"),
    "too few rows": (sample_log(rows=MIN_ROWS - 1, episodes=1), f"episode 0 has {MIN_ROWS - 1} rows"),
    "time repeats": (_broken(time=SHORT_TIME), r"time does not increase at row 5"),
}


@pytest.mark.parametrize("case", INVALID)
def test_each_invalid_log_is_refused_in_one_line_and_not_written(tmp_path: Path, case: str) -> None:
    log, message = INVALID[case]
    with pytest.raises(RlkitError, match=message) as caught:
        log.save(tmp_path / "log.npz")
    assert "\n" not in str(caught.value) and str(tmp_path / "log.npz") in str(caught.value)
    assert not any(tmp_path.iterdir())


def _npz(path: Path, **arrays: object) -> Path:
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return path


UNREADABLE = {
    "suffix": (lambda d: d / "log.txt", "the suffix must be .npz or .csv, got '.txt'"),
    "missing": (lambda d: d / "absent.csv", "does not exist"),
    "not npz": (lambda d: _write(d / "log.npz", "not a zip"), "is not a readable NPZ file"),
    "npz lacks arrays": (
        lambda d: _npz(d / "log.npz", time=np.arange(10.0)),
        "lacks controls, control_names, channels, channel_names",
    ),
    "csv without time": (lambda d: _write(d / "log.csv", "t,ctrl:a,b\n0,1,2\n"), "no 'time' column"),
    "csv word": (lambda d: _write(d / "log.csv", "time,ctrl:a,b\n0,1,two\n"), "a value is not a number"),
    "csv narrow": (lambda d: _write(d / "log.csv", "time,ctrl:a,b\n0,1\n1,2\n"), "rows must have 3 values"),
    # rows of different lengths fail in NumPy first: still one line, though it names no column count
    "csv ragged": (lambda d: _write(d / "log.csv", "time,ctrl:a,b\n0,1,2\n1,2\n"), "log.csv'"),
    "csv part of a pose": (
        lambda d: _write(
            d / "log.csv", "time,ctrl:a,b,base_pose[x]\n" + "".join(f"{t},1,2,3\n" for t in range(10))
        ),
        "the base pose needs all of",
    ),
    "csv not utf-8": (lambda d: _write_bytes(d / "log.csv", b"time\n\xff\xfe\n"), "not a readable CSV file"),
}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", UNREADABLE)
def test_each_unreadable_file_is_one_line(tmp_path: Path, case: str) -> None:
    make, message = UNREADABLE[case]
    with pytest.raises(RlkitError, match=message) as caught:
        load_log(make(tmp_path))
    assert "\n" not in str(caught.value)


def test_check_log_path_refuses_before_anything_runs(tmp_path: Path) -> None:
    assert check_log_path(str(tmp_path / "a.csv")) == tmp_path / "a.csv"
    with pytest.raises(RlkitError, match=r"got '\(none\)'"):
        check_log_path(tmp_path / "log")
    assert not any(tmp_path.iterdir())
