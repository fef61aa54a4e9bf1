"""``rlkit eval --video`` options: size, quality and processes reach the renderer; bad values are refused in
one line with status 2, before anything is written."""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import pytest

import rlkit.evaluate.video as video
from tests.cli.conftest import run_cli
from tests.evaluate.conftest import train_tiny


@pytest.fixture(scope="module")
def short_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("eval_video") / "run", "env.max_episode_steps=8")


def test_video_options_reach_the_renderer(short_run: Path, monkeypatch, capsys) -> None:
    asked = []
    configure = video.configure_render
    monkeypatch.setattr(
        video, "configure_render", lambda env, *settings: asked.append(settings) or configure(env, *settings)
    )
    flags = ["--video-size", "80x48", "--video-quality", "low", "--video-workers", "1"]
    status, _, err = run_cli(["eval", str(short_run), "--episodes", "1", "--video", *flags], capsys)
    assert status == 0, err
    assert asked == [(80, 48, "low")]
    frames = iio.imread(short_run / "videos" / "final.mp4", index=None)
    assert frames.shape[1:] == (48, 80, 3)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--video", "--video-size", "10x10"], "'10x10' is not WIDTHxHEIGHT"),
        (["--video", "--video-size", "wide"], "'wide' is not WIDTHxHEIGHT"),
        (["--video", "--video-size", "640x"], "'640x' is not WIDTHxHEIGHT"),
        (["--video", "--video-quality", "ultra"], "invalid choice: 'ultra'"),
        (["--video", "--video-workers", "0"], "must be at least 1"),
        (["--video-quality", "low"], "--video-quality sets how the video is rendered: add --video"),
        (["--video-size", "64x64"], "--video-size sets how the video is rendered: add --video"),
    ],
)
def test_bad_video_options_are_one_line_and_status_2(short_run: Path, flags, message, capsys) -> None:
    before = sorted((p.name, p.stat().st_mtime_ns) for p in short_run.rglob("*"))
    status, _, err = run_cli(["eval", str(short_run), *flags], capsys)
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert sorted((p.name, p.stat().st_mtime_ns) for p in short_run.rglob("*")) == before


def test_bad_video_settings_in_overrides_are_refused(short_run: Path, capsys) -> None:
    status, _, err = run_cli(["eval", str(short_run), "--video", "eval.video_quality=ultra"], capsys)
    assert status == 2 and "eval.video_quality" in err and len(err.strip().splitlines()) == 1, err
