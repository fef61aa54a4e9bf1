"""Rendered rollouts of a policy written as an MP4, with the running return drawn on every frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rlkit.config.schema import EnvConfig
from rlkit.errors import RlkitError
from rlkit.evaluate.evaluator import EvaluationResult
from rlkit.policy import Policy


def record_video(
    policy: Policy, env_config: EnvConfig, episodes: int, seed: int, path: Path, fps: float | None = None
) -> EvaluationResult:
    """Render ``episodes`` episodes (seeds ``seed + j``) into one H.264 MP4 at ``path``.

    ``fps`` None plays the video in real time: at the env's ``render_fps`` (30 when it declares none).
    """
    from envs import make_env
    from vision import VideoWriter, annotate_frame

    env = make_env(env_config, render_mode="rgb_array")
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
                    writer.append(
                        annotate_frame(
                            frame,
                            [f"episode {episode + 1}/{episodes}", f"step {length}", f"return {total:.1f}"],
                        )
                    )
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
