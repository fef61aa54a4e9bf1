"""Recording an evaluation video: the frame size asked for, and episodes rendered side by side in processes
giving exactly the frames one process renders."""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from rlkit.config.schema import EnvConfig
from rlkit.evaluate.checkpoint_eval import evaluate_checkpoint, restore_agent
from rlkit.evaluate.video import PolicySource, VideoSettings, default_workers, record_video
from tests.evaluate.conftest import train_tiny

SHORT = EnvConfig(id="rlkit/CartPoleBalance-v0", max_episode_steps=6)


def zero_policy(obs: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.zeros((len(starts), 1), dtype=np.float32)


def test_the_video_has_the_asked_size(tmp_path: Path) -> None:
    path = tmp_path / "v.mp4"
    result = record_video(zero_policy, SHORT, 2, 0, path, settings=VideoSettings(64, 48, "low"))
    frames = iio.imread(path, index=None)
    assert frames.shape == (sum(result.lengths) + 2, 48, 64, 3)


def test_processes_are_started_only_for_enough_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert default_workers(EnvConfig(id="rlkit/CartPoleSwingup-v0", max_episode_steps=50), 2) == 1
    assert default_workers(EnvConfig(id="rlkit/CartPoleSwingup-v0", max_episode_steps=300), 4) == 4
    assert default_workers(EnvConfig(id="rlkit/CartPoleSwingup-v0"), 2) == 8  # its own limit: 1,000 steps
    assert default_workers(EnvConfig(id="Pendulum-v1"), 2) == 1  # 200 steps
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert default_workers(EnvConfig(id="rlkit/CartPoleSwingup-v0"), 2) == 2


@pytest.fixture(scope="module")
def short_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("video") / "run", "env.max_episode_steps=8")


def test_episodes_rendered_side_by_side_are_the_frames_of_one_process(
    short_run: Path, tmp_path: Path
) -> None:
    restored = restore_agent(short_run)
    source = PolicySource(str(restored.checkpoint), (), True)
    videos = {}
    for workers in (1, 2):
        path = tmp_path / f"{workers}.mp4"
        settings = VideoSettings(64, 48, "medium", workers=workers, lossless=True)
        result = record_video(
            restored.agent.make_policy(True),
            restored.config.env,
            3,
            7,
            path,
            settings=settings,
            source=source,
        )
        videos[workers] = (iio.imread(path, index=None), result.returns, result.lengths)
    (serial, *serial_episodes), (parallel, *parallel_episodes) = videos[1], videos[2]
    assert parallel_episodes == serial_episodes
    assert serial.shape == (3 * 9, 48, 64, 3)
    np.testing.assert_array_equal(parallel, serial)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.mp4", "2.mp4"]  # no segment left behind


def test_eval_renders_with_the_runs_video_settings(short_run: Path, tmp_path: Path) -> None:
    overrides = [
        "eval.video_episodes=2",
        "eval.video_width=80",
        "eval.video_height=48",
        "eval.video_workers=1",
    ]
    result = evaluate_checkpoint(
        short_run, episodes=1, video=True, overrides=overrides, output=tmp_path / "e.json"
    )
    frames = iio.imread(result.video_path, index=None)
    assert frames.shape == (2 * 9, 48, 80, 3)
    assert len(result.summary["video_returns"]) == 2
