"""Writing rollout frames to browser-playable MP4 files, with optional text overlays."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import cv2
import imageio.v2 as imageio
import numpy as np

from rlkit.files import publish

__all__ = ["VideoWriter", "annotate_frame"]

# libx264 with yuv420p subsamples chroma 2x2, so both dimensions must be even.
_BLOCK = 2

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_WHITE = (255, 255, 255)
_BLACK = (0, 0, 0)


def _check_rgb(frame: np.ndarray) -> None:
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3:
        shape = getattr(frame, "shape", None)
        raise ValueError(f"expected an RGB frame of shape (H, W, 3), got shape {shape}")
    if frame.dtype != np.uint8:
        raise ValueError(f"expected a uint8 frame, got dtype {frame.dtype}")


def annotate_frame(frame: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """Draws text lines in the top-left corner of a frame.

    The text is white with a dark outline so it stays readable on both light and dark
    backgrounds. The font scale grows with the frame height, with a floor so that text is
    still legible on tiny (e.g. 64 px) frames.

    Args:
        frame: RGB image of shape (H, W, 3) and dtype uint8. Not modified.
        lines: Text lines, drawn top to bottom. Lines that do not fit are clipped.

    Returns:
        A new uint8 array of the same shape with the text drawn on it.

    Raises:
        ValueError: If ``frame`` is not a uint8 (H, W, 3) array.
    """
    _check_rgb(frame)
    out = np.ascontiguousarray(frame).copy()
    height = out.shape[0]
    # Hershey glyphs are ~22 px tall at scale 1; h/720 gives ~18 px text on a 600 px frame,
    # and the 0.35 floor keeps ~8 px glyphs, about the smallest still readable.
    scale = max(0.35, height / 720.0)
    thickness = max(1, round(scale * 1.5))
    outline = thickness + 2
    margin = max(2, round(4 * scale))
    (_, text_h), baseline = cv2.getTextSize("Ag", _FONT, scale, thickness)
    line_step = text_h + baseline + max(1, round(2 * scale))

    y = margin + text_h
    for line in lines:
        org = (margin, y)
        # Outline first, then the white text on top of it.
        cv2.putText(out, line, org, _FONT, scale, _BLACK, outline, cv2.LINE_AA)
        cv2.putText(out, line, org, _FONT, scale, _WHITE, thickness, cv2.LINE_AA)
        y += line_step
    return out


class VideoWriter:
    """Context manager that encodes RGB frames into an H.264 MP4 file.

    The video is encoded with ``libx264`` and ``yuv420p`` pixels so that browsers can play it.
    Frames whose width or height is odd are padded by one pixel (replicating the last
    row/column) up to a multiple of 2, the minimum yuv420p needs; they are never resized, so
    there is no distortion and imageio emits no resize warnings. All frames must be the same
    size.

    The file appears atomically: frames are encoded into a hidden temp file in the target
    directory, which is renamed onto ``path`` only on a clean close. If an exception escapes
    the ``with`` block the temp file is deleted and ``path`` is left untouched.

    Example:
        >>> with VideoWriter("episode.mp4", fps=30) as writer:
        ...     for frame in frames:
        ...         writer.append(frame)

    Args:
        path: Destination of the MP4 file. Its parent directory must exist.
        fps: Frames per second of the output video.
        lossless: Encode every frame exactly (x264 at quantizer 0, after the yuv420p conversion), in files
            many times larger: for comparing renders frame by frame.
    """

    def __init__(self, path: str | Path, fps: float = 30.0, lossless: bool = False) -> None:
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.path = Path(path)
        self.fps = float(fps)
        self.lossless = lossless
        self._writer: Any = None
        self._tmp_path: Path | None = None
        self._frame_shape: tuple[int, int] | None = None
        self._num_frames = 0
        self._closed = False

    @property
    def num_frames(self) -> int:
        """Number of frames appended so far."""
        return self._num_frames

    def _open(self) -> None:
        parent = self.path.parent
        # Same directory as the target so os.replace is an atomic rename, not a copy; the
        # .mp4 suffix tells ffmpeg which container to write. mkstemp makes the name unique
        # so two writers aimed at the same path cannot clobber each other's temp file.
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp.mp4", dir=parent)
        os.close(fd)
        self._tmp_path = Path(tmp)
        try:
            self._writer = imageio.get_writer(
                self._tmp_path,
                format="FFMPEG",
                mode="I",
                fps=self.fps,
                codec="libx264",
                pixelformat="yuv420p",
                # Frames are already padded to even sizes; 1 stops imageio from resizing.
                macro_block_size=1,
                ffmpeg_log_level="error",
                **({"quality": None, "output_params": ["-qp", "0"]} if self.lossless else {}),
            )
        except BaseException:
            self._discard_tmp()
            raise

    def append(self, frame: np.ndarray) -> None:
        """Adds one frame to the video.

        Args:
            frame: RGB image of shape (H, W, 3) and dtype uint8, the same size as every
                previous frame.

        Raises:
            ValueError: If the frame is not uint8 (H, W, 3) or its size differs from the
                first frame's.
            RuntimeError: If the writer has been closed.
        """
        if self._closed:
            raise RuntimeError(f"VideoWriter for {self.path} is closed")
        _check_rgb(frame)
        size = (frame.shape[0], frame.shape[1])
        if self._frame_shape is None:
            self._frame_shape = size
            self._open()
        elif size != self._frame_shape:
            (h0, w0), (h1, w1) = self._frame_shape, size
            raise ValueError(f"frame size {w1}x{h1} (WxH) does not match the video's frame size {w0}x{h0}")
        self._writer.append_data(_pad_to_block(frame))
        self._num_frames += 1

    def close(self) -> None:
        """Finishes encoding and moves the video to its final path.

        Calling ``close`` again is a no-op.

        Raises:
            ValueError: If no frame was appended; no file is written in that case.
        """
        if self._closed:
            return
        self._closed = True
        if self._writer is None:
            raise ValueError(f"no frames were appended; {self.path} was not written")
        try:
            self._writer.close()
            assert self._tmp_path is not None  # _open sets it before the writer
            publish(self._tmp_path, self.path)
        except BaseException:
            self._discard_tmp()
            raise
        self._tmp_path = None

    def abort(self) -> None:
        """Stops encoding and deletes the partial video without touching ``path``."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            # The ffmpeg process must exit before its output file can be removed reliably;
            # an error while closing is irrelevant since the output is being thrown away.
            with contextlib.suppress(Exception):
                self._writer.close()
        self._discard_tmp()

    def _discard_tmp(self) -> None:
        if self._tmp_path is not None:
            self._tmp_path.unlink(missing_ok=True)
            self._tmp_path = None

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _pad_to_block(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    pad_h = -height % _BLOCK
    pad_w = -width % _BLOCK
    if pad_h == 0 and pad_w == 0:
        return frame
    # Edge replication rather than black so the padded border does not bleed a dark line
    # into neighbouring pixels through chroma subsampling.
    return np.pad(frame, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
