"""Transfer after identification: policies trained around the identified values, around the nominal ones,
with online adaptation, and on the "real" robot itself, all evaluated on the real robot.

Usage:
    python benchmarks/sysid_transfer.py [--seeds 3] [--steps 500000]      # ~30 min on 2 cores
    python benchmarks/sysid_transfer.py --seeds 3 --resume   # only the policies --output lacks

The "real" robot is a perturbed copy of the shipped swing-up cart-pole (``rlkit/CartPoleSwingup-v0``): its
pole half again as heavy, its motor at 70 % of its gain, its sensors one control step late, their noise as in
training. (Balancing alone is no test: a policy trained on the nominal cart-pole balances the real one as
well as one trained on it.) The loop:

1. ``rlkit excite`` logs the real robot, its joint encoders included (``env.task.qpos``: the replay starts
   from the measured hinge angle);
2. ``rlkit calibrate`` identifies the pole's mass, the motor's gain and the sensors' delay from the nominal
   model, replaying 2 s segments (a swinging pole's replay drifts: each segment restarts from the log);
3. four policies train, each on ``--seeds`` seeds, all with the same randomization width (±WIDTH on the pole's
   mass and the motor's gain): around the **nominal** values; around the **identified** values (with the
   identified delay); **adaptation**: an RMA teacher around the identified values that sees the physics,
   distilled into a student that estimates them from its last 8 readings; and the **oracle**, trained on
   the real robot itself;
4. each is evaluated on the real robot (20 episodes, deterministic).

Goals (the issue's): identified > nominal, and adaptation closes at least half of the gap from identified to
the oracle. Writes ``benchmarks/results/sysid_transfer.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from results_file import write_results

RESULTS = Path(__file__).resolve().parent / "results" / "sysid_transfer.md"
#: The real robot's differences from the model: factors of the XML's values, and its sensor delay (steps).
TRUTH = {"pole_mass": 1.5, "motor_gain": 0.7}
DELAY_STEPS = 1
NOISE = [{"channels": "(?!last_action).*", "noise_std": 0.01}]
#: The randomization half-width every policy trains with (a factor around its centre).
WIDTH = 0.15
EPISODES = 10
#: The table's rows: each policy, its label and the centre of its randomization.
ROWS = (
    ("nominal", "nominal", "the model as written"),
    ("identified", "identified", "the identified values and delay"),
    ("adaptation", "identified + adaptation (RMA)", "the identified values, ±50 %"),
    ("oracle", "oracle", "the real robot itself (no randomization)"),
)
STEPS = 500_000
#: cartpole-swingup-ppo's PPO.
PPO = {
    "name": "ppo",
    "n_steps": 256,
    "batch_size": 256,
    "n_epochs": 10,
    "gamma": 0.99,
    "gae_lambda": 0.95,
    "lr": 3.0e-4,
    "lr_schedule": "linear",
    "clip_range": 0.2,
    "ent_coef": 0.0,
    "normalize_observations": True,
    "normalize_returns": True,
    "network": {"hidden_sizes": [64, 64]},
}
CALIBRATION = {
    "parameters": [
        {"parameter": "body_mass", "names": "pole", "shared": True, "low": 0.2, "high": 5.0},
        {"parameter": "actuator_gain", "shared": True, "low": 0.1, "high": 3.0},
    ],
    "delays": [{"channels": ".*", "max": 0.05}],
    "segment_seconds": 2.0,
    # fitted on 0.5 s, then 1 s segments first: from the model as written, a fit on 2 s segments alone stops
    # in a local minimum (pole x1.70, motor x0.79 for x1.5 and x0.7 on one log)
    "continuation_seconds": [0.5, 1.0],
    # the logs hold the joint encoders too: the replay starts from the measured hinge angle
    "logged_with": ["env.task.qpos=true"],
}


def rlkit(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "rlkit.cli.main", *args], check=True, env=os.environ.copy())


def physics(pole_mass: float, motor_gain: float) -> list[dict[str, Any]]:
    return [
        {"parameter": "body_mass", "names": "pole", "value": pole_mass},
        {"parameter": "actuator_gain", "value": motor_gain},
    ]


def around(width: float) -> list[dict[str, Any]]:
    return [
        {"parameter": "body_mass", "names": "pole", "low": 1 - width, "high": 1 + width},
        {"parameter": "actuator_gain", "low": 1 - width, "high": 1 + width},
    ]


def env(
    pole_mass: float = 1.0,
    motor_gain: float = 1.0,
    delay: int = 0,
    width: float | None = WIDTH,
    encoders: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A cart-pole env section: the model at these factors, randomized ± ``width`` around them; the last
    action observed (what tells a weak motor from a heavy pole), the joints' encoders with ``encoders``."""
    task: dict[str, Any] = {"observations": [{"term": "last_action"}]}
    if encoders:
        task["qpos"] = True
    section: dict[str, Any] = {
        "id": "rlkit/CartPoleSwingup-v0",
        "task": task,
        "simulator": {"parameters": physics(pole_mass, motor_gain)},
        "sensors": {"models": NOISE, "latency": {"min": delay, "max": delay}, **extra.pop("sensors", {})},
    }
    if width is not None:
        section["randomization"] = {"parameters": around(width), **extra.pop("randomization", {})}
    section.update(extra)
    return section


def run_config(env_section: dict[str, Any], steps: int, **extra: Any) -> dict[str, Any]:
    return {
        "env": env_section,
        "agent": PPO,
        "rollout": {"num_envs": 8},
        "train": {"total_steps": steps},
        "eval": {"episodes": 10},
        **extra,
    }


def write(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def reality_overrides() -> list[str]:
    """``rlkit eval`` overrides that put any of the runs on the real robot."""
    return [
        "env.randomization.parameters=[]",
        f"env.simulator.parameters={json.dumps(physics(TRUTH['pole_mass'], TRUTH['motor_gain']))}",
        f"env.sensors.latency={json.dumps({'min': DELAY_STEPS, 'max': DELAY_STEPS})}",
    ]


def evaluate(run: Path, output: Path) -> None:
    """``run``'s policy on the real robot, its summary written to ``output``."""
    rlkit("eval", str(run), *reality_overrides(), "--episodes", str(EPISODES), "--output", str(output))


def real_return(output: Path) -> float:
    """The mean return on the real robot that :func:`evaluate` wrote to ``output``."""
    return float(json.loads(output.read_text())["mean_return"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=STEPS, help="PPO steps per policy (and per teacher)")
    parser.add_argument("--output", type=Path, default=Path("runs/sysid-transfer"))
    parser.add_argument("--note", default="", help="a line on the machine's state, for the results file")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep what --output already holds (the logs, the identification, each policy already evaluated "
        "on the real robot; the same --steps): runs are reproducible by seed, so only missing ones train",
    )
    args = parser.parse_args()
    out = args.output
    out.mkdir(parents=True, exist_ok=True)

    # 1-2. log the real robot on the rig, identify from the nominal model
    real = TRUTH["pole_mass"], TRUTH["motor_gain"]
    rig = write(
        out / "real-rig.yaml",
        run_config(env(*real, delay=DELAY_STEPS, width=None, encoders=True), args.steps),
    )
    logs = out / "real.npz"
    identified = out / "calibration" / "identified.json"
    base = write(
        out / "nominal-base.yaml", {**run_config(env(width=None), args.steps), "calibrate": CALIBRATION}
    )
    if not (args.resume and logs.exists() and identified.exists()):
        excitation = ("--seconds", "10", "--episodes", "2", "--amplitude", "0.8")
        rlkit("excite", str(rig), "--output", str(logs), *excitation)
        rlkit("calibrate", str(base), str(logs), "--output", str(out / "calibration"))
    found = json.loads(identified.read_text())["values"]
    mass = next(v["value"] for v in found if v["name"].startswith("body_mass"))
    gain = next(v["value"] for v in found if v["name"].startswith("actuator_gain"))
    delay = round(next(v["steps"] for v in found if v["kind"] == "delay"))

    # 3. the four policies
    configs = {
        "nominal": write(out / "nominal.yaml", run_config(env(), args.steps)),
        "identified": write(out / "identified.yaml", run_config(env(mass, gain, delay), args.steps)),
        "oracle": write(
            out / "oracle.yaml", run_config(env(*real, delay=DELAY_STEPS, width=None), args.steps)
        ),
    }
    teacher = write(
        out / "adaptation-teacher.yaml",
        run_config(env(mass, gain, delay, width=0.5, randomization={"observe_parameters": True}), args.steps),
    )
    student = write(
        out / "adaptation-student.yaml",
        run_config(
            env(mass, gain, delay, width=0.5, sensors={"history": 8}),
            args.steps,
            rollout={"num_envs": 16},
            distill={
                "method": "adaptation",
                "iterations": 12,
                "steps_per_iteration": 4096,
                "beta_start": 0.0,
                "epochs": 6,
                "batch_size": 256,
                "adaptation": {"encoder": "mlp", "hidden_sizes": [128, 64]},
                "adaptation_lr": 1.0e-3,
            },
        ),
    )
    returns: dict[str, list[float]] = {name: [] for name in ("nominal", "identified", "adaptation", "oracle")}
    for seed in range(args.seeds):
        for name, config in configs.items():
            run, result = out / f"{name}-{seed}", out / f"{name}-{seed}-real.json"
            if not (args.resume and result.exists()):
                rlkit("train", str(config), f"train.seed={seed}", "--run-dir", str(run))
                evaluate(run, result)
            returns[name].append(real_return(result))
        result = out / f"adaptation-{seed}-real.json"
        if not (args.resume and result.exists()):
            teacher_run, student_run = out / f"adaptation-teacher-{seed}", out / f"adaptation-{seed}"
            rlkit("train", str(teacher), f"train.seed={seed}", "--run-dir", str(teacher_run))
            rlkit("distill", str(teacher_run), str(student), "--run-dir", str(student_run))
            evaluate(student_run, result)
        returns["adaptation"].append(real_return(result))

    # 4. the table
    means = {name: statistics.fmean(values) for name, values in returns.items()}
    gap = means["oracle"] - means["identified"]
    if gap <= 0:
        closed = "has no gap to close: the oracle does not beat the identified policy here"
    elif means["adaptation"] >= means["oracle"]:
        above = means["adaptation"] - means["oracle"]
        closed = f"ends above the oracle ({above:+.1f}): it closes the whole gap"
    else:
        share = (means["adaptation"] - means["identified"]) / gap
        closed = f"closes {share:.0%} of the gap from identified to the oracle"
    truth_delay = f"{DELAY_STEPS} step"
    lines = [
        "# Transfer after identification: which policy keeps its return on the real robot",
        "",
        f"Command: `python benchmarks/sysid_transfer.py --seeds {args.seeds} --steps {args.steps}`"
        + (f" ({args.note})" if args.note else ""),
        "",
        f"Machine: 2 CPU cores. The real robot: `rlkit/CartPoleSwingup-v0` with its pole "
        f"×{TRUTH['pole_mass']:g} as heavy, its motor at ×{TRUTH['motor_gain']:g} its gain and its sensors "
        f"{truth_delay} late. `rlkit excite` logged it (2 × 10 s, joint encoders included); "
        f"`rlkit calibrate` identified the pole's mass ×{mass:.3f}, the motor's gain ×{gain:.3f} and a "
        f"delay of {delay} step(s). Every policy trains {args.steps:,} steps of PPO (the adaptation student: "
        "distilled for 49k "
        f"steps from a teacher of {args.steps:,}) with the pole's mass and the motor's gain randomized "
        f"±{WIDTH:.0%} around its centre (the adaptation teacher ±50 %, so that there is something to adapt "
        f"to), and is evaluated on the real robot: mean return over {EPISODES} episodes (1000 is the most), "
        "per seed.",
        "",
        "| policy | centre of its randomization | mean return on the real robot | per seed |",
        "|---|---|---:|---|",
        *(
            f"| {label} | {centre} | {means[name]:.1f} | "
            + ", ".join(f"{r:.0f}" for r in returns[name])
            + " |"
            for name, label, centre in ROWS
        ),
        "",
        f"Identified over nominal: {means['identified'] - means['nominal']:+.1f} (goal > 0). Adaptation "
        f"{closed} (goal ≥ 50 %).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    write_results(RESULTS, text)


if __name__ == "__main__":
    main()
