"""The return of uniformly random actions on an env: the floor a trained policy is compared with.

python benchmarks/random_policy.py rlkit/CartPoleSwingup-v0 rlkit/Reacher-v0 rlkit/Walker-v0 --episodes 20
"""

from __future__ import annotations

import argparse

import numpy as np

from rlkit.config.schema import EnvConfig
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET, evaluate_policy
from rlkit.rollout.vector_env import make_vector_env


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("env_ids", nargs="+", help="env ids")
    parser.add_argument("--episodes", type=int, default=20, help="episodes per env")
    args = parser.parse_args()
    print("| env | random-action return (mean ± std) | mean length |")
    print("|---|---:|---:|")
    for env_id in args.env_ids:
        config = EnvConfig(id=env_id)
        probe = make_vector_env(config, min(args.episodes, 16))
        space = probe.action_space
        probe.close()
        space.seed(0)

        def random_actions(obs: np.ndarray, episode_starts: np.ndarray, space=space) -> np.ndarray:
            return space.sample()

        summary = evaluate_policy(random_actions, config, args.episodes, EVAL_SEED_OFFSET).summary()
        print(
            f"| {env_id} | {summary['mean_return']:.1f} ± {summary['std_return']:.1f} | "
            f"{summary['mean_length']:.0f} |"
        )


if __name__ == "__main__":
    main()
