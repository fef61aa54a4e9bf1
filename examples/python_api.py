"""rlkit from Python: train a preset, load the trained policy, and drive an env with it.

    python examples/python_api.py                     # about 20 s on 2 CPU cores
    python examples/python_api.py --run-dir runs/api  # keep the run (default: a temporary folder)

The same run from the command line is ``rlkit train cartpole-ppo train.total_steps=30000`` then
``rlkit eval RUN``; the run directory is the same either way, so ``rlkit eval``, ``--video`` and ``rlkit
export`` work on it too.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import rlkit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", type=Path, help="where to write the run (default: a temporary folder)")
    parser.add_argument("--steps", type=int, default=30_000, help="env steps to train")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        run_dir = args.run_dir or Path(scratch) / "cartpole"

        # Train: a preset (or a YAML file, or a dict), with the command line's key=value overrides.
        run = rlkit.train(
            "cartpole-ppo",
            f"train.total_steps={args.steps}",
            "train.target_return=null",  # train the whole budget
            "log.progress=false",
            run_dir=run_dir,
        )
        assert run.evaluation is not None
        print(
            f"trained {run.env_steps:,} steps into {run.run_dir}: evaluation return "
            f"{run.evaluation['mean_return']:.1f} over {run.evaluation['episodes']} episodes"
        )
        print(
            f"metrics.csv has {len(run.metrics)} rows; the last: return_mean {run.metrics[-1]['return_mean']}"
        )

        # Load the policy from the run directory alone, and step the run's env with it, one observation
        # at a time, as a robot's control loop would.
        policy = rlkit.load(run_dir)
        env = policy.make_env()
        observation, _ = env.reset(seed=123)
        policy.reset()  # a new episode (it matters for policies with memory)
        episode_return, done = 0.0, False
        while not done:
            action = policy.act(observation)
            observation, reward, terminated, truncated, _ = env.step(action)
            episode_return += float(reward)
            done = terminated or truncated
        env.close()
        print(f"one episode driven by policy.act: return {episode_return:.1f}")


if __name__ == "__main__":
    main()
