"""Evaluation: run a policy for whole episodes on fresh envs and summarize the returns.

The episodes step on the ``batched`` backend where it can run the env (``rollout.backend: auto``), else on
``sync``: the two return the same episodes to the bit for the same seeds, so the backend changes how long an
evaluation takes, never its returns. Videos render their episodes per env elsewhere
(:mod:`rlkit.evaluate.video`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.files import atomic_write_text
from rlkit.policy import Policy
from rlkit.rollout.agent_rows import AgentRowsVectorEnv
from rlkit.rollout.in_process_vector_env import backend_name
from rlkit.rollout.vector_env import make_vector_env

#: Offset between training env seeds and evaluation env seeds, so evaluation episodes are unseen ones.
EVAL_SEED_OFFSET = 1_000_000


#: The step info of a task with velocity commands: how far the base's planar velocity is from the command.
TRACKING_ERROR = "lin_vel_tracking_error"
#: What a summary adds for a task with velocity commands.
COMMAND_METRICS = (TRACKING_ERROR, "fall_rate")


@dataclass
class EvaluationResult:
    """Per-episode returns and lengths of one evaluation, and the backend its envs stepped on; for a task
    with velocity commands, each episode's summed tracking error and whether a termination ended it."""

    returns: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    backend: str = "sync"
    tracking_error_sums: list[float] = field(default_factory=list)
    terminated: list[bool] = field(default_factory=list)
    #: A multi-agent game's agents, and each episode's return per agent (``returns`` is their mean).
    agent_names: tuple[str, ...] = ()
    agent_returns: list[list[float]] = field(default_factory=list)
    #: Whether each episode ended in success, for envs that report ``is_success`` (a team's goal reached).
    successes: list[bool] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Mean, std, min and max return, mean length and the episode count; with velocity commands also
        ``lin_vel_tracking_error`` (m/s, the mean over every evaluated step) and ``fall_rate`` (the share of
        episodes a termination ended); ``success_rate`` for envs that report ``is_success`` (Gymnasium's
        and SB3's key) when an episode ends."""
        returns = np.asarray(self.returns, dtype=np.float64)
        summary: dict[str, Any] = {
            "mean_return": float(returns.mean()),
            "std_return": float(returns.std()),
            "min_return": float(returns.min()),
            "max_return": float(returns.max()),
            "mean_length": float(np.mean(self.lengths)),
            "episodes": len(self.returns),
        }
        if self.tracking_error_sums:
            summary[TRACKING_ERROR] = float(np.sum(self.tracking_error_sums) / np.sum(self.lengths))
            summary["fall_rate"] = float(np.mean(self.terminated))
        if self.successes:
            summary["success_rate"] = float(np.mean(self.successes))
        if self.agent_names:
            per_agent = np.asarray(self.agent_returns, dtype=np.float64)
            summary["team_return"] = float(per_agent.sum(axis=1).mean())
            summary["agent_returns"] = dict(
                zip(self.agent_names, per_agent.mean(axis=0).tolist(), strict=True)
            )
        return summary


def _step_values(info: dict[str, Any], key: str, ended: np.ndarray) -> np.ndarray | None:
    """Each env's ``key`` of the step just taken: an ended env's from ``final_info`` (SAME_STEP autoreset),
    a running env's from ``info``; None when the envs do not report it."""
    final = info.get("final_info", {})
    if key not in info and key not in final:
        return None
    values = np.zeros(len(ended))
    if key in info:
        values = np.where(info[f"_{key}"], info[key], values)
    if key in final:
        values = np.where(ended & final[f"_{key}"], final[key], values)
    return values


def evaluate_policy(
    policy: Policy,
    env_config: EnvConfig,
    episodes: int,
    seed: int,
    max_parallel: int = 16,
    threads: int | None = None,
) -> EvaluationResult:
    """Run ``episodes`` whole episodes, episode ``j`` on an env reset with seed ``seed + j``.

    A multi-agent game's episode is one, its return the mean of its agents' (each agent's and the team's
    are in :class:`EvaluationResult`).

    Episodes run in waves of up to ``max_parallel`` envs with one batched policy call per step; each env
    contributes exactly its first episode of the wave, so short episodes are not over-represented. The
    policy is told where episodes start, so a recurrent one begins each episode with an empty memory. The
    envs step on the ``batched`` backend where it can run them, else on ``sync`` (the same returns).

    Args:
        policy: Acts on a batch of observations, told which start an episode.
        env_config: The ``env`` section.
        episodes: Episodes to run.
        seed: Episode ``j`` resets with ``seed + j``.
        max_parallel: Envs stepped side by side.
        threads: Threads that step a batched env's sims (None: one per CPU core).
    """
    parallel = min(episodes, max_parallel)
    rollout = RolloutConfig(num_envs=parallel, backend="auto", threads=threads)
    env = make_vector_env(env_config, parallel, rollout)
    # a multi-agent game's agents are rows of their own, its agents' rows side by side
    agents = env.agents_per_game if isinstance(env, AgentRowsVectorEnv) else 1
    rows = env.num_envs
    result = EvaluationResult(backend=backend_name(env))
    if isinstance(env, AgentRowsVectorEnv):
        result.agent_names = env.agent_names
    try:
        for start in range(0, episodes, parallel):
            count = min(parallel, episodes - start)
            obs, _ = env.reset(seed=seed + start)  # env i: seed + start + i, on every backend
            returns = np.zeros(rows)
            lengths = np.zeros(rows, dtype=np.int64)
            tracking_errors = np.zeros(rows)
            tracked = False
            terminations = np.zeros(rows, dtype=bool)
            successes = np.zeros(rows, dtype=bool)
            reported = False
            running = np.zeros(rows, dtype=bool)
            running[: count * agents] = True
            starts = np.ones(rows, dtype=bool)
            while running.any():
                obs, rewards, terminated, truncated, info = env.step(policy(obs, starts))
                returns += rewards * running
                lengths += running
                starts = terminated | truncated  # the vector env reset these: their next obs starts one
                errors = _step_values(info, TRACKING_ERROR, starts)
                if errors is not None:
                    tracked = True
                    tracking_errors += errors * running
                terminations |= terminated & running
                success = _step_values(info, "is_success", starts)
                if success is not None:  # what an episode ends on: the ending step's report
                    reported = True
                    successes |= success.astype(bool) & starts & running
                running &= ~starts
            if agents > 1:
                per_agent = returns[: count * agents].reshape(count, agents)
                result.agent_returns.extend(per_agent.tolist())
                returns, lengths = per_agent.mean(axis=1), lengths[::agents]
            result.returns.extend(returns[:count].tolist())
            result.lengths.extend(lengths[:count].tolist())
            if reported:
                result.successes.extend(successes[: count * agents : agents].tolist())
            if tracked:
                result.tracking_error_sums.extend(tracking_errors[:count].tolist())
                result.terminated.extend(terminations[:count].tolist())
    finally:
        env.close()
    return result


def write_eval_json(path: Path, summary: dict[str, Any]) -> None:
    """Write ``eval.json`` atomically."""
    atomic_write_text(path, json.dumps(summary, indent=2) + "\n")
