"""Tests for rlkit.vision.video: H.264 MP4 writing and frame annotation."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np
import pytest

import rlkit.vision.video
from rlkit.vision import VideoWriter, annotate_frame


def _read_video(path: Path) -> tuple[dict, list[np.ndarray]]:
    """Decodes a video into its ffmpeg metadata and a list of (H, W, 3) uint8 frames."""
    gen = imageio_ffmpeg.read_frames(str(path))
    meta = next(gen)
    width, height = meta["size"]
    frames = [np.frombuffer(buf, dtype=np.uint8).reshape(height, width, 3) for buf in gen]
    return meta, frames


def _gradient_frames(n: int, height: int, width: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    return [np.roll(base, i, axis=1) for i in range(n)]


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize(
    ("width", "height", "expected_size"),
    [(64, 48, (64, 48)), (101, 75, (102, 76))],
    ids=["even", "odd"],
)
def test_writes_h264_with_right_frame_count_and_size(
    tmp_path: Path, width: int, height: int, expected_size: tuple[int, int]
) -> None:
    path = tmp_path / "clip.mp4"
    with VideoWriter(path, fps=20) as writer:
        for frame in _gradient_frames(20, height, width):
            writer.append(frame)
        assert writer.num_frames == 20

    meta, frames = _read_video(path)
    assert meta["codec"] == "h264"
    assert meta["pix_fmt"].startswith("yuv420p")
    assert meta["fps"] == pytest.approx(20.0)
    # Odd sizes are padded by one pixel, never resized.
    assert tuple(meta["size"]) == expected_size
    assert len(frames) == 20
    # Only the final file remains: the temp file was renamed, not copied.
    assert _leftovers(tmp_path) == ["clip.mp4"]


def test_lossless_keeps_every_frame_up_to_the_colour_conversion(tmp_path: Path) -> None:
    # Grey noise: yuv420p keeps luma at full resolution, so only the RGB<->YUV rounding remains.
    frames = [np.repeat(frame[:, :, :1], 3, axis=2) for frame in _gradient_frames(6, 32, 48)]
    errors = {}
    for lossless in (False, True):
        path = tmp_path / f"{lossless}.mp4"
        with VideoWriter(path, fps=10, lossless=lossless) as writer:
            for frame in frames:
                writer.append(frame)
        _, decoded = _read_video(path)
        errors[lossless] = np.abs(np.stack(decoded).astype(int) - np.stack(frames)).max()
    assert errors[True] <= 1 < errors[False]


def test_odd_size_frames_are_padded_not_resized(tmp_path: Path) -> None:
    # Left half red, right half blue; resizing would move the boundary, padding keeps it.
    frame = np.zeros((75, 101, 3), dtype=np.uint8)
    frame[:, :50] = (255, 0, 0)
    frame[:, 50:] = (0, 0, 255)
    path = tmp_path / "odd.mp4"
    with VideoWriter(path) as writer:
        for _ in range(5):
            writer.append(frame)

    _, frames = _read_video(path)
    decoded = frames[0].astype(int)
    assert decoded.shape == (76, 102, 3)
    # Columns well inside each half keep their colour; the original frame is in the top-left.
    assert decoded[:75, :46, 0].mean() > 200 and decoded[:75, :46, 2].mean() < 50
    assert decoded[:75, 54:101, 2].mean() > 200 and decoded[:75, 54:101, 0].mean() < 50
    # Edge-replicated padding carries the neighbouring colour, not black.
    assert decoded[75, 54:, 2].mean() > 150
    assert decoded[:70, 101, 2].mean() > 150


class _RecordingWriter:
    """Stands in for imageio's ffmpeg writer so tests can see exactly what would be encoded."""

    def __init__(self, kwargs: dict[str, Any]) -> None:
        self.kwargs = kwargs
        self.frames: list[np.ndarray] = []

    def append_data(self, frame: np.ndarray) -> None:
        self.frames.append(frame.copy())

    def close(self) -> None:
        pass


def test_encoder_gets_padded_frames_and_h264_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded: list[_RecordingWriter] = []

    def fake_get_writer(uri: Any, **kwargs: Any) -> _RecordingWriter:
        Path(uri).write_bytes(b"")
        recorded.append(_RecordingWriter(kwargs))
        return recorded[-1]

    monkeypatch.setattr(rlkit.vision.video.imageio, "get_writer", fake_get_writer)
    frame = np.random.default_rng(1).integers(0, 256, size=(75, 101, 3), dtype=np.uint8)
    with VideoWriter(tmp_path / "fake.mp4", fps=12.5) as writer:
        writer.append(frame)

    (rec,) = recorded
    assert rec.kwargs["codec"] == "libx264"
    assert rec.kwargs["pixelformat"] == "yuv420p"
    assert rec.kwargs["fps"] == 12.5
    assert rec.kwargs["ffmpeg_log_level"] in ("error", "quiet", "fatal", "panic")
    (sent,) = rec.frames
    assert sent.shape == (76, 102, 3)
    # Padding, not resizing: the original pixels are untouched and the border repeats the edge.
    np.testing.assert_array_equal(sent[:75, :101], frame)
    np.testing.assert_array_equal(sent[75, :101], frame[74])
    np.testing.assert_array_equal(sent[:75, 101], frame[:, 100])


def test_odd_size_writes_without_warnings_or_console_noise(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with VideoWriter(tmp_path / "quiet.mp4") as writer:
            for frame in _gradient_frames(5, 75, 101):
                writer.append(frame)
    captured = capfd.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_colour_survives_encoding(tmp_path: Path) -> None:
    red = np.zeros((48, 64, 3), dtype=np.uint8)
    red[..., 0] = 220
    path = tmp_path / "red.mp4"
    with VideoWriter(path, fps=10) as writer:
        for _ in range(10):
            writer.append(red)

    _, frames = _read_video(path)
    mean = np.stack(frames).reshape(-1, 3).mean(axis=0)
    assert mean[0] > 180
    assert mean[1] < 40 and mean[2] < 40


def test_exception_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.mp4"
    with pytest.raises(RuntimeError, match="boom"), VideoWriter(path) as writer:
        for frame in _gradient_frames(5, 48, 64):
            writer.append(frame)
        raise RuntimeError("boom")

    assert not path.exists()
    assert _leftovers(tmp_path) == []


def test_exception_keeps_existing_file_intact(tmp_path: Path) -> None:
    path = tmp_path / "existing.mp4"
    path.write_bytes(b"previous video")
    with pytest.raises(RuntimeError), VideoWriter(path) as writer:
        writer.append(np.zeros((48, 64, 3), dtype=np.uint8))
        raise RuntimeError("boom")

    assert path.read_bytes() == b"previous video"
    assert _leftovers(tmp_path) == ["existing.mp4"]


def test_temp_file_is_hidden_mp4_in_target_directory(tmp_path: Path) -> None:
    path = tmp_path / "wip.mp4"
    with VideoWriter(path) as writer:
        writer.append(np.zeros((48, 64, 3), dtype=np.uint8))
        names = _leftovers(tmp_path)
        assert len(names) == 1
        assert names[0].startswith(".wip.mp4.") and names[0].endswith(".tmp.mp4")
        assert not path.exists()
    assert path.exists()


def test_mismatched_frame_size_raises(tmp_path: Path) -> None:
    path = tmp_path / "mismatch.mp4"
    with pytest.raises(ValueError, match=r"64x48.*101x75|101x75.*64x48"), VideoWriter(path) as writer:
        writer.append(np.zeros((48, 64, 3), dtype=np.uint8))
        writer.append(np.zeros((75, 101, 3), dtype=np.uint8))

    # The ValueError escaped the with block, so nothing is left behind.
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "bad",
    [np.zeros((48, 64), dtype=np.uint8), np.zeros((48, 64, 4), dtype=np.uint8), np.zeros((48, 64, 3))],
    ids=["gray", "rgba", "float"],
)
def test_rejects_non_rgb_uint8(tmp_path: Path, bad: np.ndarray) -> None:
    writer = VideoWriter(tmp_path / "bad.mp4")
    with pytest.raises(ValueError):
        writer.append(bad)


def test_close_without_frames_raises_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    writer = VideoWriter(path)
    with pytest.raises(ValueError, match="no frames"):
        writer.close()
    assert _leftovers(tmp_path) == []


def test_append_after_close_raises(tmp_path: Path) -> None:
    frame = np.zeros((48, 64, 3), dtype=np.uint8)
    with VideoWriter(tmp_path / "done.mp4") as writer:
        writer.append(frame)
    writer.close()  # second close is a no-op
    with pytest.raises(RuntimeError, match="closed"):
        writer.append(frame)


def test_invalid_fps_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fps"):
        VideoWriter(tmp_path / "x.mp4", fps=0)


@pytest.mark.parametrize(("height", "width"), [(64, 64), (600, 800)])
def test_annotate_frame_draws_top_left_only(height: int, width: int) -> None:
    frame = np.full((height, width, 3), 128, dtype=np.uint8)
    original = frame.copy()

    out = annotate_frame(frame, ["step 12", "r=0.5"])

    assert out is not frame
    assert out.shape == frame.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(frame, original)  # input untouched
    changed = np.any(out != frame, axis=2)
    top_left = changed[: height // 2, : width // 2]
    bottom_right = changed[height // 2 :, width // 2 :]
    assert top_left.sum() > 20
    assert not bottom_right.any()
    # Both the white text and the dark outline are present.
    assert (out[: height // 2, : width // 2] > 240).all(axis=2).any()
    assert (out[: height // 2, : width // 2] < 20).all(axis=2).any()


def test_annotate_frame_text_scales_with_height() -> None:
    small = annotate_frame(np.full((64, 64, 3), 128, dtype=np.uint8), ["A"])
    large = annotate_frame(np.full((600, 600, 3), 128, dtype=np.uint8), ["A"])

    def text_height(img: np.ndarray) -> int:
        rows = np.flatnonzero(np.any(img != 128, axis=(1, 2)))
        return int(rows.max() - rows.min() + 1)

    assert text_height(large) > 1.5 * text_height(small)
    # Floor on the font scale keeps tiny frames legible.
    assert text_height(small) >= 6


def test_annotate_frame_with_no_lines_returns_equal_copy() -> None:
    frame = np.full((48, 64, 3), 50, dtype=np.uint8)
    out = annotate_frame(frame, [])
    assert out is not frame
    np.testing.assert_array_equal(out, frame)


def test_annotate_frame_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        annotate_frame(np.zeros((48, 64), dtype=np.uint8), ["x"])
