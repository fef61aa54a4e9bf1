"""Does training with domain randomization make a policy robust? Evaluate trained runs on a perturbed world.

Each run's policy is evaluated twice on its task with no sim2real layers but the perturbation: once on the
nominal model, once with every body's mass ×1.3, every geom's friction ×0.6 and 2 control steps of
observation latency (by default). The table shows how much of its nominal return each policy keeps. A
uniform random policy is the floor.

    rlkit train walker-ppo --run-dir runs/walker
    rlkit train walker-ppo-sim2real --run-dir runs/walker-sim2real
    python benchmarks/sim2real_robustness.py runs/walker runs/walker-sim2real --episodes 50
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from rlkit.config.schema import EnvConfig
from rlkit.evaluate.checkpoint_eval import restore_agent
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET, evaluate_policy
from rlkit.rollout.vector_env import make_vector_env


def perturbed(env_id: str, mass: float, friction: float, latency: int) -> EnvConfig:
    """The task with fixed physics changes and observation latency, and no other sim2real layer."""
    return EnvConfig.model_validate(
        {
            "id": env_id,
            "randomization": {
                "parameters": [
                    {"parameter": "body_mass", "low": mass, "high": mass},
                    {"parameter": "geom_friction", "friction": "all", "low": friction, "high": friction},
                ]
            },
            "sensors": {"latency": {"min": latency, "max": latency}},
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("runs", nargs="+", type=Path, help="run directories (or checkpoints) to compare")
    parser.add_argument("--episodes", type=int, default=50, help="evaluation episodes per condition")
    parser.add_argument("--mass", type=float, default=1.3, help="scale of every body's mass")
    parser.add_argument("--friction", type=float, default=0.6, help="scale of every geom's friction")
    parser.add_argument("--latency", type=int, default=2, help="observation latency in control steps")
    args = parser.parse_args()

    rows = []
    env_id = None
    for target in args.runs:
        restored = restore_agent(target)
        agent, env_id = restored.agent, restored.config.env.id

        seed = EVAL_SEED_OFFSET
        nominal = evaluate_policy(agent.make_policy(), EnvConfig(id=env_id), args.episodes, seed).summary()
        shifted = evaluate_policy(
            agent.make_policy(),
            perturbed(env_id, args.mass, args.friction, args.latency),
            args.episodes,
            seed,
        ).summary()
        rows.append((str(target), nominal["mean_return"], shifted["mean_return"], shifted["std_return"]))

    probe = make_vector_env(EnvConfig(id=env_id), min(args.episodes, 16))  # evaluate_policy's wave size
    space = probe.action_space
    probe.close()

    def random_policy(obs: np.ndarray, episode_starts: np.ndarray) -> np.ndarray:
        return space.sample()

    random_nominal = evaluate_policy(random_policy, EnvConfig(id=env_id), args.episodes, EVAL_SEED_OFFSET)
    print(
        f"{env_id}, {args.episodes} episodes per condition; perturbed: mass ×{args.mass}, "
        f"friction ×{args.friction}, observation latency {args.latency} steps\n"
    )
    print("| policy | nominal return | perturbed return (± std) | kept |")
    print("|---|---:|---:|---:|")
    for name, nominal_return, shifted_return, shifted_std in rows:
        kept = shifted_return / nominal_return if nominal_return else float("nan")
        print(f"| {name} | {nominal_return:.1f} | {shifted_return:.1f} ± {shifted_std:.1f} | {kept:.0%} |")
    print(f"| uniform random actions | {random_nominal.summary()['mean_return']:.1f} | | |")


if __name__ == "__main__":
    main()
