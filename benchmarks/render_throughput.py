"""Frames per second of step + render through PixelObservation, and what visual randomization and the
camera model cost.

For HalfCheetah-v5 and one rlkit task, at 84×84 and 480×480: shadows and reflections off (the default) and
on, with every visual randomization group on (lights, colours, textures, cameras), whose reset cost is
timed too, and with the full camera model (every transform but resize and grayscale) on the pixels. Each
configuration steps with random actions for ``--seconds``; the bytes that one step
allocates at its peak (tracemalloc) are measured at 84×84 with the preallocated render buffers.

    python benchmarks/render_throughput.py               # about a minute on a 2-core CPU renderer
    python benchmarks/render_throughput.py --seconds 5   # steadier numbers

Writes the table to ``benchmarks/results/render_throughput.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc
from pathlib import Path
from typing import Any

import rlkit

# isort: split
import gymnasium as gym
import mujoco
import numpy as np
from results_file import write_results

import rlkit.envs  # noqa: F401  (registers the rlkit/ ids)
from rlkit.config.camera import CameraModelConfig
from rlkit.config.vision import PixelsConfig, VisualRandomizationConfig
from rlkit.vision.camera import CameraObservation
from rlkit.vision.pixels import PixelObservation
from rlkit.vision.visual_randomization import VisualRandomization

RESULTS = Path(__file__).parent / "results" / "render_throughput.md"
ENVS = ("HalfCheetah-v5", "rlkit/Walker-v0")
SIZES = (84, 480)

RANDOMIZATION = VisualRandomizationConfig.model_validate(
    {
        "lights": {"position": 0.3, "direction": 0.2, "diffuse": [0.6, 1.4], "tint": 0.2, "headlight": True},
        "geom_colors": {"brightness": [0.7, 1.3], "offset": 0.1},
        "material_colors": {"offset": 0.2},
        "textures": {"methods": ["checker", "gradient", "noise"]},
        "cameras": {"position": 0.1, "rotation": 0.05, "fovy": 5.0},
    }
)


#: Every effect of the camera model that keeps the image's size and colours (not resize, not grayscale).
FULL_CAMERA = CameraModelConfig.model_validate(
    {
        "color_jitter": {},
        "defocus_blur": {},
        "motion_blur": {},
        "vignette": {},
        "noise": {"photons_per_unit": [20, 50]},
        "white_balance": {},
        "exposure": {},
        "jpeg": {},
        "random_shift": {},
    }
)


def build(env_id: str, size: int, shadows: bool, randomize: bool, camera: bool = False) -> gym.Env:
    env = gym.make(env_id)
    if randomize:
        env = VisualRandomization(env, RANDOMIZATION)
    config = PixelsConfig(width=size, height=size, shadows=shadows, reflections=shadows)
    env = PixelObservation(env, config)
    return CameraObservation(env, FULL_CAMERA) if camera else env


def frames_per_second(env: gym.Env, seconds: float) -> float:
    """Steps (each rendering one frame) per second, resetting at episode ends as a rollout would."""
    env.reset(seed=0)
    actions = np.random.default_rng(0).uniform(-1, 1, (1000, *env.action_space.shape)).astype(np.float32)
    env.step(actions[0])  # warm up: the renderer is made and the first frame drawn
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or steps < 5:
        _, _, terminated, truncated, _ = env.step(actions[steps % len(actions)])
        if terminated or truncated:
            env.reset()
        steps += 1
    return steps / (time.perf_counter() - start)


def reset_milliseconds(env: gym.Env, resets: int = 20) -> float:
    env.reset(seed=0)
    start = time.perf_counter()
    for _ in range(resets):
        env.reset()
    return 1000 * (time.perf_counter() - start) / resets


def peak_bytes_per_step(env: gym.Env, steps: int = 50) -> int:
    """Median over steps of the most memory one step holds at once beyond what was held before it."""
    env.reset(seed=0)
    action = np.zeros(env.action_space.shape, np.float32)
    for _ in range(5):
        env.step(action)
    peaks = []
    tracemalloc.start()
    for _ in range(steps):
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        env.step(action)
        peaks.append(tracemalloc.get_traced_memory()[1] - before)
    tracemalloc.stop()
    return int(np.median(peaks))


def gl_renderer() -> str:
    try:
        from OpenGL import GL

        return GL.glGetString(GL.GL_RENDERER).decode()  # the context current after the last render
    except Exception:  # a backend without PyOpenGL's string query: not worth failing the benchmark for
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=1.5, help="timing per configuration")
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []
    kept: list[str] = []  # the camera model's share of the raw rate, per env and size
    for env_id in ENVS:
        for size in SIZES:
            raw = 0.0
            for shadows, randomize, camera in (
                (False, False, False),
                (True, False, False),
                (False, True, False),
                (False, False, True),
            ):
                env = build(env_id, size, shadows, randomize, camera)
                fps = frames_per_second(env, args.seconds)
                reset = reset_milliseconds(env, 20 if size == 84 else 5)
                if not (shadows or randomize or camera):
                    raw = fps
                if camera:
                    kept.append(f"{env_id} {size}×{size}: {fps / raw:.0%}")
                rows.append(
                    {
                        "env": env_id,
                        "size": f"{size}×{size}",
                        "shadows/reflections": "on" if shadows else "off",
                        "visual randomization": "on" if randomize else "off",
                        "camera model": "full" if camera else "off",
                        "frames/s": f"{fps:.0f}",
                        "reset (ms)": f"{reset:.1f}",
                    }
                )
                print(" | ".join(str(v) for v in rows[-1].values()), flush=True)
                renderer = gl_renderer()
                env.close()

    plain = gym.make(ENVS[0])
    pixels = build(ENVS[0], 84, shadows=False, randomize=False)
    observation_bytes = int(np.prod(pixels.observation_space.shape))
    allocation = (
        f"Bytes allocated per step at its peak (tracemalloc, median of 50 steps, {ENVS[0]}): "
        f"{peak_bytes_per_step(plain)} for the env step alone, {peak_bytes_per_step(pixels)} with "
        f"PixelObservation at 84×84 (the returned observation itself is {observation_bytes} bytes; MuJoCo's "
        "Renderer.render(out=...) flips the image through one temporary of the same size)."
    )
    pixels.close()

    header = list(rows[0])
    table = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    table += ["| " + " | ".join(str(row[key]) for key in header) + " |" for row in rows]
    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, MUJOCO_GL="
        f"{os.environ.get('MUJOCO_GL')}, OpenGL renderer: {renderer}, mujoco {mujoco.__version__}"
    )
    text = "\n".join(
        [
            "# Render throughput: step + render through PixelObservation",
            "",
            f"`python benchmarks/render_throughput.py --seconds {args.seconds}` on {machine}.",
            "",
            "Frames/s: one env step plus one rendered camera frame, random actions. Reset: one reset, "
            "including the visual randomization (textures regenerated and re-uploaded) when on.",
            "",
            *table,
            "",
            "Rate kept with the full camera model, against the same env without it: " + ", ".join(kept) + ".",
            "",
            allocation,
            "",
        ]
    )
    print()
    print(text)
    write_results(RESULTS, text)


if __name__ == "__main__":
    main()
