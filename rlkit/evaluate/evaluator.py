"""Evaluation: run a policy for whole episodes on fresh envs and summarize the returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.config.schema import EnvConfig
from rlkit.files import atomic_write_text
from rlkit.policy import Policy
from rlkit.rollout.vector_env import make_vector_env

#: Offset between training env seeds and evaluation env seeds, so evaluation episodes are unseen ones.
EVAL_SEED_OFFSET = 1_000_000


@dataclass
class EvaluationResult:
    """Per-episode returns and lengths of one evaluation."""

    returns: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Mean, std, min and max return, mean length and the episode count."""
        returns = np.asarray(self.returns, dtype=np.float64)
        return {
            "mean_return": float(returns.mean()),
            "std_return": float(returns.std()),
            "min_return": float(returns.min()),
            "max_return": float(returns.max()),
            "mean_length": float(np.mean(self.lengths)),
            "episodes": len(self.returns),
        }


def evaluate_policy(
    policy: Policy, env_config: EnvConfig, episodes: int, seed: int, max_parallel: int = 16
) -> EvaluationResult:
    """Run ``episodes`` whole episodes, episode ``j`` on an env reset with seed ``seed + j``.

    Episodes run in waves of up to ``max_parallel`` envs with one batched policy call per step; each env
    contributes exactly its first episode of the wave, so short episodes are not over-represented. The
    policy is told where episodes start, so a recurrent one begins each episode with an empty memory.
    """
    parallel = min(episodes, max_parallel)
    env = make_vector_env(env_config, parallel)
    result = EvaluationResult()
    try:
        for start in range(0, episodes, parallel):
            count = min(parallel, episodes - start)
            obs, _ = env.reset(seed=seed + start)  # env i: seed + start + i, on every backend
            returns = np.zeros(parallel)
            lengths = np.zeros(parallel, dtype=np.int64)
            running = np.zeros(parallel, dtype=bool)
            running[:count] = True
            starts = np.ones(parallel, dtype=bool)
            while running.any():
                obs, rewards, terminated, truncated, _ = env.step(policy(obs, starts))
                returns += rewards * running
                lengths += running
                starts = terminated | truncated  # the vector env reset these: their next obs starts one
                running &= ~starts
            result.returns.extend(returns[:count].tolist())
            result.lengths.extend(lengths[:count].tolist())
    finally:
        env.close()
    return result


def write_eval_json(path: Path, summary: dict[str, Any]) -> None:
    """Write ``eval.json`` atomically."""
    atomic_write_text(path, json.dumps(summary, indent=2) + "\n")
