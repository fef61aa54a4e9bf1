"""Rendered rollouts of a policy written as an MP4, with the running return drawn on every frame, and for a
pixel policy, optionally, what the agent saw beside the clean render."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import gymnasium as gym
import imageio_ffmpeg
import numpy as np

from rlkit.config.schema import EnvConfig, EvalConfig
from rlkit.envs import make_env
from rlkit.envs.multi_agent import ParallelGame
from rlkit.errors import RlkitError
from rlkit.evaluate.evaluator import EvaluationResult
from rlkit.evaluate.restore import restore_agent
from rlkit.policy import Policy
from rlkit.rollout.agent_rows import agent_rows
from rlkit.vision import FrameStack, VideoWriter, annotate_frame
from rlkit.vision.pixels import PixelObservation
from rlkit.vision.render_quality import VideoQuality, configure_render, configure_scene

#: Frames a rendering process should have before one more is started: a process costs about 3 s of CPU
#: to start (importing torch, rebuilding the policy), some 70 frames at 480x480 on a CPU.
FRAMES_PER_PROCESS = 250


@dataclass(frozen=True)
class VideoSettings:
    """How a video is rendered: frame size, quality (:mod:`rlkit.vision.render_quality`), frame rate,
    processes, and whether frames are encoded exactly (:class:`vision.VideoWriter`'s ``lossless``)."""

    width: int | None = None  # None: the env's own frame size
    height: int | None = None
    quality: VideoQuality = "medium"
    fps: float | None = None
    workers: int | None = None
    lossless: bool = False

    @classmethod
    def from_config(cls, config: EvalConfig) -> VideoSettings:
        """The ``eval.video_*`` settings of a run's config."""
        return cls(
            config.video_width,
            config.video_height,
            config.video_quality,
            config.video_fps,
            config.video_workers,
        )


@dataclass(frozen=True)
class PolicySource:
    """Where a rendering process rebuilds the policy from: a checkpoint and the overrides it was evaluated
    with (a policy itself cannot cross a process boundary; its weights can be read again, without pickle)."""

    checkpoint: str
    overrides: tuple[str, ...]
    deterministic: bool


def record_video(
    policy: Policy,
    env_config: EnvConfig,
    episodes: int,
    seed: int,
    path: Path,
    fps: float | None = None,
    agent_view: bool = False,
    settings: VideoSettings | None = None,
    source: PolicySource | None = None,
) -> EvaluationResult:
    """Render ``episodes`` episodes (seeds ``seed + j``) into one H.264 MP4 at ``path``.

    ``fps`` None plays the video in real time: at the env's ``render_fps`` (30 when it declares none).
    ``agent_view`` puts beside each rendered frame (shadows and all) the image the agent observed, after the
    camera model, scaled up with visible pixels. With a ``source`` to rebuild the policy from, the episodes
    are rendered side by side in ``settings.workers`` processes (default: one per core; this one and
    spawned ones), each writing consecutive episodes to a segment, and the segments are joined in episode
    order without re-encoding. A deterministic policy gives the frames one process renders; a sampling
    one draws its actions in each process from the policy's own generator, so its episodes differ.

    Raises:
        RlkitError: The env cannot render, or ``agent_view`` for an env without pixel observations.
    """
    settings = settings or VideoSettings()
    fps = fps or settings.fps
    if agent_view and env_config.pixels is None:
        raise RlkitError("--agent-view needs a policy that observes pixels (env.pixels is not set)")
    path.parent.mkdir(parents=True, exist_ok=True)
    workers = min(settings.workers or default_workers(env_config, episodes), episodes)
    if source is None or workers <= 1:
        return _render_episodes(
            policy, env_config, range(episodes), episodes, seed, path, fps, agent_view, settings
        )
    # Consecutive episodes go to one process, so that the segments join in episode order.
    chunks = [[int(i) for i in chunk] for chunk in np.array_split(np.arange(episodes), workers) if len(chunk)]
    with tempfile.TemporaryDirectory(prefix=".video-", dir=path.parent) as folder:
        segments = [Path(folder) / f"segment{index}.mp4" for index in range(len(chunks))]
        jobs = [
            (source, env_config, chunk, episodes, seed, segment, fps, agent_view, settings)
            for chunk, segment in zip(chunks[1:], segments[1:], strict=True)
        ]
        # spawn: a fresh process per worker, with no GL context inherited from this one. This process
        # renders the first episodes meanwhile, with the policy it has: it is not waiting on a start-up.
        with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
            pending = pool.map_async(_render_segment, jobs)
            first = _render_episodes(
                policy, env_config, chunks[0], episodes, seed, segments[0], fps, agent_view, settings
            )
            parts = [first, *pending.get()]
        _join_segments(segments, path)
    result = EvaluationResult()
    for part in parts:
        result.returns.extend(part.returns)
        result.lengths.extend(part.lengths)
    return result


def default_workers(env_config: EnvConfig, episodes: int) -> int:
    """Rendering processes for a video when none are asked for: one per core, but no more than one per
    :data:`FRAMES_PER_PROCESS` frames the episodes can have (their time limit; 1,000 when unknown)."""
    limit = env_config.max_episode_steps
    if limit is None:
        try:
            limit = gym.spec(env_config.id).max_episode_steps
        except gym.error.Error:  # a model file or module:Class, registered only when made
            limit = None
    frames = episodes * ((limit or 1000) + 1)
    return max(1, min(os.cpu_count() or 1, frames // FRAMES_PER_PROCESS))


def _render_segment(job: tuple[Any, ...]) -> EvaluationResult:
    """One rendering process: rebuild the policy from its checkpoint and render its episodes."""
    source, env_config, chunk, episodes, seed, segment, fps, agent_view, settings = job
    policy = restore_agent(source.checkpoint, source.overrides).agent.make_policy(source.deterministic)
    return _render_episodes(policy, env_config, chunk, episodes, seed, segment, fps, agent_view, settings)


def _join_segments(segments: list[Path], path: Path) -> None:
    """Concatenate MP4 segments of the same encoding into ``path`` (stream copy, atomically)."""
    listing = segments[0].parent / "segments.txt"
    listing.write_text("".join(f"file '{segment.name}'\n" for segment in segments))
    joined = segments[0].parent / "joined.mp4"
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-loglevel",
        "error",
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        str(listing),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        str(joined),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RlkitError(f"cannot join the video's segments into '{path}': {done.stderr.strip()[:200]}")
    os.replace(joined, path)


def _render_episodes(
    policy: Policy,
    env_config: EnvConfig,
    indices: Sequence[int],
    episodes: int,
    seed: int,
    path: Path,
    fps: float | None,
    agent_view: bool,
    settings: VideoSettings,
) -> EvaluationResult:
    """Render episodes ``indices`` (of ``episodes``) into one MP4 at ``path`` in this process."""
    env = make_env(env_config, render_mode="rgb_array")
    configure_render(env, settings.width, settings.height, settings.quality)
    view = AgentView(env) if agent_view else None
    game = env.unwrapped if isinstance(env.unwrapped, ParallelGame) else None
    result = EvaluationResult()
    scene_ready = False
    try:
        fps = fps or float(env.metadata.get("render_fps") or 30)
        with VideoWriter(path, fps=fps, lossless=settings.lossless) as writer:
            for episode in indices:
                obs, _ = env.reset(seed=seed + episode)
                total, length, done = 0.0, 0, False
                while True:
                    frame = env.render()
                    if not scene_ready:  # the first render made the renderer: set its scene, draw again
                        scene_ready = True
                        if configure_scene(env, settings.quality):
                            frame = env.render()
                    if not isinstance(frame, np.ndarray):
                        raise RlkitError(
                            f"environment '{env_config.id}' cannot render rgb_array frames for video"
                        )
                    returned = "team return" if game is not None else "return"  # a game's: its agents' summed
                    lines = [f"episode {episode + 1}/{episodes}", f"step {length}", f"{returned} {total:.1f}"]
                    frame = annotate_frame(frame, lines)
                    if view is not None:
                        seen = annotate_frame(view(obs, frame.shape[0]), ["agent's view"])
                        frame = np.hstack([frame, seen])
                    writer.append(frame)
                    if done:
                        break
                    batch = (
                        {key: value[None] for key, value in obs.items()}
                        if isinstance(obs, dict)
                        else obs[None]
                    )
                    if game is not None:  # every agent of the game acts, as a row of the shared policy
                        rows = agent_rows(batch, env_config.agents.agent_id)
                        action = policy(rows, np.full(len(game.agent_names), length == 0))
                    else:
                        action = policy(batch, np.array([length == 0]))[0]
                    obs, reward, terminated, truncated, _ = env.step(action)
                    total += float(reward)
                    length += 1
                    done = bool(terminated or truncated)
                result.returns.append(total)
                result.lengths.append(length)
    finally:
        env.close()
    return result


class AgentView:
    """The image a pixel policy observed: the newest frame of its first camera, as an RGB frame.

    Args:
        env: The env stack (with :class:`rlkit.vision.pixels.PixelObservation`, maybe a camera model and a
            :class:`vision.FrameStack` above it).
    """

    def __init__(self, env: Any) -> None:
        wrappers = []
        while hasattr(env, "env"):
            wrappers.append(env)
            env = env.env
        stack = next((w for w in wrappers if isinstance(w, FrameStack)), None)
        pixels = next(w for w in wrappers if isinstance(w, PixelObservation))
        self.key = "pixels" if pixels.config.mode == "pixels_state" else None
        self._frames = stack.num_frames if stack is not None else 1
        self._cameras = len(pixels.camera_ids)

    def __call__(self, obs: Any, height: int) -> np.ndarray:
        """``(height, W, 3)`` uint8: the agent's image scaled to ``height`` rows, nearest neighbour."""
        image = np.asarray(obs[self.key] if self.key is not None else obs)  # (frames * cameras * c, H, W)
        per_frame = image.shape[0] // self._frames
        camera = image[image.shape[0] - per_frame :][: per_frame // self._cameras]  # newest, first camera
        rgb = camera[:3] if len(camera) >= 3 else np.repeat(camera[:1], 3, axis=0)
        rgb = np.ascontiguousarray(rgb.transpose(1, 2, 0))
        width = round(rgb.shape[1] * height / rgb.shape[0])
        return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_NEAREST)
