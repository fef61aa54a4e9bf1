"""Per-frame cost of every camera transform and of the whole camera model, at 84×84 and 480×480.

Each case runs on a render-like image (a gradient, flat shapes, fine texture) for ``--seconds`` of
``time.perf_counter`` after a warm-up, with OpenCV held to one thread so that the numbers are per core. A
second table compares the model's precomputed tables and masks with the naive per-frame float arithmetic
they replace: time and the peak of memory allocated during one frame (``tracemalloc``; NumPy and OpenCV
arrays are both traced).

    python benchmarks/camera_model_cost.py --seconds 1.2 --output benchmarks/results/camera_model_cost.md
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from results_file import write_results

from rlkit.config.camera import CameraModelConfig
from rlkit.vision.camera import PHYSICAL_ORDER, CameraModel, Resize, SensorNoise, Vignette
from rlkit.vision.camera.vignette import radius_squared

SIZES = (84, 480)


def scene(size: int) -> np.ndarray:
    """A render-like RGB image: a gradient, a rectangle and a disk, and a little texture."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    image = np.stack([60 + 120 * x, 60 + 120 * y, 140 - 60 * x * y], -1)
    cv2.rectangle(image, (size // 8, size // 8), (size // 3, size // 2), (200, 60, 50), -1)
    cv2.circle(image, (2 * size // 3, 2 * size // 3), size // 6, (40, 150, 210), -1)
    image += np.random.default_rng(0).uniform(-8, 8, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def microseconds(step: Callable[[np.ndarray], np.ndarray], image: np.ndarray, seconds: float) -> float:
    """Mean wall time of ``step(image)`` in µs over ``seconds`` (after a short warm-up)."""
    for _ in range(5):
        step(image)
    calls, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(10):
            step(image)
        calls += 10
        now = time.perf_counter()
        if now >= deadline:
            return (now - start) / calls * 1e6


def peak_kib(step: Callable[[np.ndarray], np.ndarray], image: np.ndarray, frames: int = 20) -> float:
    """Largest memory allocated during one frame (KiB), buffers that persist between frames excluded."""
    step(image)  # first call: buffers and caches are made
    tracemalloc.start()
    worst = 0
    for _ in range(frames):
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        step(image)
        worst = max(worst, tracemalloc.get_traced_memory()[1] - base)
    tracemalloc.stop()
    return worst / 1024


def model(config: dict, fuse: bool = True) -> CameraModel:
    camera = CameraModel.from_config(CameraModelConfig.model_validate(config), fuse=fuse)
    camera.reset(seed=0)
    return camera


def transform_cases() -> dict[str, Callable[[int], Callable[[np.ndarray], np.ndarray]]]:
    """Name → factory (by image size) of every transform at its defaults, then the whole model."""
    cases: dict[str, Callable[[int], Callable[[np.ndarray], np.ndarray]]] = {}
    for key, stage, cls in PHYSICAL_ORDER:
        if cls is Resize:
            cases[f"resize to half ({stage})"] = lambda size: Resize(size // 2, size // 2)
        else:
            cases[f"{key} ({stage})"] = lambda size, cls=cls: _reset(cls())
    everything = {key: {} for key, _, _ in PHYSICAL_ORDER if key != "resize"}
    cases["**full model** (all but resize)"] = lambda size: model(everything)
    cases["full model, no JPEG"] = lambda size: model({k: v for k, v in everything.items() if k != "jpeg"})
    return cases


def _reset(transform):
    transform.reset(seed=0)
    return transform


# Naive per-frame float arithmetic, for comparison with the tables and masks the transforms precompute.


def naive_tone(gains: np.ndarray, exposure: dict[str, float]) -> Callable[[np.ndarray], np.ndarray]:
    def step(image: np.ndarray) -> np.ndarray:
        x = image.astype(np.float32) * gains
        x = np.clip(x, 0, 255)
        mean = x.mean()
        x = np.clip((x - mean) * exposure["contrast"] + mean + exposure["brightness"], 0, 255)
        return np.rint(255 * (x / 255) ** exposure["gamma"]).astype(np.uint8)

    return step


def naive_vignette(strength: float) -> Callable[[np.ndarray], np.ndarray]:
    def step(image: np.ndarray) -> np.ndarray:
        gain = 1 - strength * radius_squared(*image.shape[:2])
        return np.clip(np.rint(image * gain[:, :, None]), 0, 255).astype(np.uint8)

    return step


def naive_noise(std: float, photons: float) -> Callable[[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(0)

    def step(image: np.ndarray) -> np.ndarray:
        x = image.astype(np.float32)
        x += rng.standard_normal(image.shape, dtype=np.float32) * np.sqrt(std**2 + x / photons)
        return np.clip(np.rint(x), 0, 255).astype(np.uint8)

    return step


def comparison_cases() -> list[tuple[str, str, Callable[[], Callable[[np.ndarray], np.ndarray]]]]:
    tone = {
        "white_balance": {"red": 1.1, "blue": 0.9},
        "exposure": {"brightness": 10, "contrast": 1.2, "gamma": 0.9},
    }
    return [
        ("white balance + exposure", "one fused cv2.LUT", lambda: model(tone)),
        ("white balance + exposure", "two cv2.LUTs (fuse=False)", lambda: model(tone, fuse=False)),
        (
            "white balance + exposure",
            "naive float math",
            lambda: naive_tone(np.array([1.1, 1.0, 0.9], np.float32), tone["exposure"]),
        ),
        ("vignette", "mask cached per size", lambda: _reset(Vignette(strength=0.3))),
        ("vignette", "naive: mask per frame", lambda: naive_vignette(0.3)),
        ("noise (read + shot)", "quantile table + cv2", lambda: _reset(SensorNoise(4.0, 2.0))),
        ("noise (read + shot)", "naive float math", lambda: naive_noise(4.0, 2.0)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=1.2, help="timing per case and size")
    parser.add_argument("--output", type=Path, default=None, help="also write the Markdown here")
    args = parser.parse_args()
    cv2.setNumThreads(1)  # per-core numbers; the library itself leaves OpenCV's threads alone
    images = {size: scene(size) for size in SIZES}

    lines = [
        "# Camera model: per-frame cost",
        "",
        f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"OpenCV {cv2.__version__} on one thread, NumPy {np.__version__}; "
        f"`python benchmarks/camera_model_cost.py --seconds {args.seconds}`. Each transform at its default "
        "ranges (per-episode parameters drawn once), on an RGB render-like image; µs per frame, mean over "
        "the timing window.",
        "",
        "| transform (stage) | 84×84 µs | 480×480 µs |",
        "|---|---:|---:|",
    ]
    for name, make in transform_cases().items():
        cost = [microseconds(make(size), images[size], args.seconds) for size in SIZES]
        lines.append(f"| {name} | {cost[0]:.1f} | {cost[1]:.0f} |")
        print(lines[-1], flush=True)

    lines += [
        "",
        "## What precomputation saves",
        "",
        "Peak KiB allocated during one frame (tracemalloc; buffers kept between frames not counted) and µs.",
        "",
        "| step | implementation | 84×84 µs | 480×480 µs | 84×84 peak KiB | 480×480 peak KiB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for step, implementation, make in comparison_cases():
        cost = [microseconds(make(), images[size], args.seconds / 2) for size in SIZES]
        peak = [peak_kib(make(), images[size]) for size in SIZES]
        lines.append(
            f"| {step} | {implementation} | {cost[0]:.1f} | {cost[1]:.0f} | {peak[0]:.0f} | {peak[1]:.0f} |"
        )
        print(lines[-1], flush=True)

    text = "\n".join(lines) + "\n"
    print()
    print(text)
    if args.output is not None:
        write_results(args.output, text)


if __name__ == "__main__":
    main()
