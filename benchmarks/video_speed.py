"""Frames per second of ``rlkit eval RUN --video``: the old way (the model's own look, one process) against
the quality levels and rendering processes of ``--video-quality`` and ``--video-workers``.

Usage:
    python benchmarks/video_speed.py [RUN] [--steps 300] [--size 480x480] [--passes 2]

Without RUN it trains a short ``cartpole-swingup-ppo`` run first (the policy's quality does not change the
cost of a frame). Every setting renders the same episodes of the same policy through
:func:`rlkit.evaluate.video.record_video`, as ``rlkit eval --video`` does; the wall time includes starting
the rendering processes and writing the MP4. Settings are measured in turn, then again in reverse order
and so on, so that drift in machine load hits all alike. Results go to ``benchmarks/results/video_speed.md``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_file import write_results

from rlkit.evaluate.checkpoint_eval import restore_agent
from rlkit.evaluate.video import PolicySource, VideoSettings, record_video
from rlkit.runs.checkpoint import load_checkpoint, resolve_checkpoint

RESULTS = Path(__file__).resolve().parent / "results" / "video_speed.md"
CORES = os.cpu_count() or 1
#: Frames in the README's video: 2 episodes of cart-pole swing-up's 1,000 steps, plus each one's first frame.
README_FRAMES = 2 * 1001
#: Env steps of the run trained when none is given.
TRAIN_STEPS = 20_000
#: (label, quality, processes, frame size or None for --size); the first is how videos were rendered before
#: these settings existed: the model's own look (``high`` changes nothing) in one process.
SETTINGS: list[tuple[str, str, int, tuple[int, int] | None]] = [
    ("before: the model's own look, 1 process", "high", 1, None),
    ("high, all cores", "high", CORES, None),
    ("medium, 1 process", "medium", 1, None),
    ("medium, all cores (the default)", "medium", CORES, None),
    ("medium, all cores, 320x320", "medium", CORES, (320, 320)),
    ("low, all cores", "low", CORES, None),
]


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (rendering processes, ffmpeg) so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(run: Path, steps: int, size: tuple[int, int], quality: str, workers: int) -> tuple[float, float]:
    """Frames per second and CPU milliseconds per frame of one whole recording of ``eval.video_episodes``
    episodes, as ``rlkit eval --video`` makes it."""
    overrides = (f"env.max_episode_steps={steps}",)
    restored = restore_agent(run, overrides)
    config = restored.config
    settings = VideoSettings(size[0], size[1], quality, None, workers)  # type: ignore[arg-type]
    source = PolicySource(str(restored.checkpoint), overrides, True)
    with tempfile.TemporaryDirectory() as folder:
        start, cpu = time.perf_counter(), cpu_seconds()
        result = record_video(
            restored.agent.make_policy(True),
            config.env,
            config.eval.video_episodes,
            0,
            Path(folder) / "v.mp4",
            settings=settings,
            source=source,
        )
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    frames = sum(result.lengths) + len(result.lengths)  # each episode's first frame too
    return frames / seconds, 1000 * cpu / frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", type=Path, help="a trained run (default: train a short one)")
    parser.add_argument("--steps", type=int, default=300, help="steps per episode (env.max_episode_steps)")
    parser.add_argument("--size", default="480x480", help="frame size WxH")
    parser.add_argument(
        "--passes", type=int, default=2, help="passes over the settings, in alternating order"
    )
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory() as root:
        run = args.run
        if run is None:
            run = Path(root) / "swingup"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "rlkit",
                    "train",
                    "cartpole-swingup-ppo",
                    f"train.total_steps={TRAIN_STEPS}",
                    "eval.episodes=1",
                    "log.progress=false",
                    "--run-dir",
                    str(run),
                ],
                check=True,
                capture_output=True,
            )
        rates: dict[str, list[float]] = {label: [] for label, *_ in SETTINGS}
        costs: dict[str, list[float]] = {label: [] for label, *_ in SETTINGS}
        for one in range(args.passes):
            for label, quality, workers, own_size in SETTINGS[:: 1 if one % 2 == 0 else -1]:
                rate, cost = measure(run, args.steps, own_size or size, quality, workers)
                rates[label].append(rate)
                costs[label].append(cost)
                print(f"{label}: {rate:.1f} frames/s, {cost:.1f} CPU ms/frame", flush=True)
    before = statistics.mean(rates[SETTINGS[0][0]])
    steps_trained = load_checkpoint(resolve_checkpoint(run)).get("env_steps", 0) if args.run else TRAIN_STEPS
    command = "python benchmarks/video_speed.py" + (" RUN" if args.run else "")
    load = os.getloadavg()[0]
    lines = [
        "# Video rendering speed: `rlkit eval RUN --video`",
        "",
        f"`{command} --steps {args.steps} --size {args.size} --passes {args.passes}` on {CORES} CPU cores "
        f"(Mesa's llvmpipe through EGL): 2 episodes of a `cartpole-swingup-ppo` policy (trained for "
        f"{steps_trained:,} env steps). Frames per second of the whole recording (process start-up and MP4 "
        "writing included), mean of the passes, which take the settings in alternating order; CPU time per "
        "frame counts the rendering processes and ffmpeg. The last column is what the README's `rlkit eval "
        "runs/swingup --video` (2 episodes of 1,000 steps) takes at that rate. Load average at the end: "
        f"{load:.1f}: other processes shared the cores, alike for every setting. Cores used (frames/s times "
        "CPU time per frame) is the share of the machine a setting got: rendering processes side by side "
        "only go faster where they get more of it, on an idle machine up to one core each.",
        "",
        "| setting | frames/s | vs before | CPU ms/frame | cores used | README video (2,002 frames) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, *_ in SETTINGS:
        rate, cost = statistics.mean(rates[label]), statistics.mean(costs[label])
        lines.append(
            f"| {label} | {rate:.1f} | {rate / before:.2f}× | {cost:.0f} | {rate * cost / 1000:.2f} "
            f"| {README_FRAMES / rate:.0f} s |"
        )
    write_results(RESULTS, "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
