"""Rendered rollouts of a policy written as an MP4, with the running return drawn on every frame, and for a
pixel policy, optionally, what the agent saw beside the clean render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rlkit.config.schema import EnvConfig
from rlkit.errors import RlkitError
from rlkit.evaluate.evaluator import EvaluationResult
from rlkit.policy import Policy


def record_video(
    policy: Policy,
    env_config: EnvConfig,
    episodes: int,
    seed: int,
    path: Path,
    fps: float | None = None,
    agent_view: bool = False,
) -> EvaluationResult:
    """Render ``episodes`` episodes (seeds ``seed + j``) into one H.264 MP4 at ``path``.

    ``fps`` None plays the video in real time: at the env's ``render_fps`` (30 when it declares none).
    ``agent_view`` puts beside each rendered frame (shadows and all) the image the agent observed, after the
    camera model, scaled up with visible pixels.

    Raises:
        RlkitError: The env cannot render, or ``agent_view`` for an env without pixel observations.
    """
    from envs import make_env
    from vision import VideoWriter, annotate_frame

    if agent_view and env_config.pixels is None:
        raise RlkitError("--agent-view needs a policy that observes pixels (env.pixels is not set)")
    env = make_env(env_config, render_mode="rgb_array")
    view = AgentView(env) if agent_view else None
    path.parent.mkdir(parents=True, exist_ok=True)
    result = EvaluationResult()
    try:
        fps = fps or float(env.metadata.get("render_fps") or 30)
        with VideoWriter(path, fps=fps) as writer:
            for episode in range(episodes):
                obs, _ = env.reset(seed=seed + episode)
                total, length, done = 0.0, 0, False
                while True:
                    frame = env.render()
                    if not isinstance(frame, np.ndarray):
                        raise RlkitError(
                            f"environment '{env_config.id}' cannot render rgb_array frames for video"
                        )
                    lines = [f"episode {episode + 1}/{episodes}", f"step {length}", f"return {total:.1f}"]
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
        env: The env stack (with :class:`vision.pixels.PixelObservation`, maybe a camera model and a
            :class:`vision.FrameStack` above it).
    """

    def __init__(self, env: Any) -> None:
        from vision import FrameStack
        from vision.pixels import PixelObservation

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
        import cv2

        image = np.asarray(obs[self.key] if self.key is not None else obs)  # (frames * cameras * c, H, W)
        per_frame = image.shape[0] // self._frames
        camera = image[image.shape[0] - per_frame :][: per_frame // self._cameras]  # newest, first camera
        rgb = camera[:3] if len(camera) >= 3 else np.repeat(camera[:1], 3, axis=0)
        rgb = np.ascontiguousarray(rgb.transpose(1, 2, 0))
        width = round(rgb.shape[1] * height / rgb.shape[0])
        return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_NEAREST)
