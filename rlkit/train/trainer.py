"""The training loop: rollouts, updates, logging, periodic evaluation, checkpoints, Ctrl-C and resume."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rlkit.config.loading import config_to_dict
from rlkit.config.schema import RunConfig
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET, evaluate_policy
from rlkit.rollout.vector_env import make_vector_env
from rlkit.train.build import build_agent, configure_torch
from rlkit.train.checkpoint import prune_checkpoints, save_checkpoint
from rlkit.train.collectors import make_collector
from rlkit.train.metrics_log import MetricsLog
from rlkit.train.progress import TrainingProgress


@dataclass(frozen=True)
class TrainingOutcome:
    """How a run ended."""

    env_steps: int
    checkpoint: Path
    interrupted: bool
    reached_target: bool
    wall_time: float


class Trainer:
    """Owns the vector env, the agent and the run directory, and runs the loop.

    Construction builds everything that can fail on bad input (env, agent) before the run directory is
    touched, so a bad config leaves nothing behind.

    Args:
        config: The resolved run config.
        run_dir: Where ``config.yaml``, ``metrics.csv``, checkpoints and TensorBoard events go.
        resume: A loaded checkpoint to continue from (``rlkit train --resume``).
    """

    def __init__(self, config: RunConfig, run_dir: Path, resume: dict[str, Any] | None = None) -> None:
        self.config = config
        self.run_dir = run_dir
        self.device = configure_torch(config)
        self.env = make_vector_env(config.env, config.rollout.num_envs, config.rollout)
        self.agent = build_agent(
            config, self.env.single_observation_space, self.env.single_action_space, self.device
        )
        self.collector = make_collector(self.env, self.agent, config)
        self.state: dict[str, Any] = {
            "env_steps": 0,
            "episodes": 0,
            "wall_time": 0.0,
            "recent_returns": [],
            "recent_lengths": [],
            "resets": 0,
            "worker_restarts": 0,
        }
        if resume is not None:
            self.agent.load_state_dict(resume["agent"])
            self.state.update(resume["trainer"])
            self.state["resets"] += 1
            if "torch_rng" in resume:
                torch.set_rng_state(resume["torch_rng"])

    @property
    def checkpoint_dir(self) -> Path:
        return self.run_dir / "checkpoints"

    def save(self, name: str) -> Path:
        """Write a checkpoint with the config, the agent's full state and the loop's state."""
        return save_checkpoint(
            self.checkpoint_dir,
            name,
            {
                "config": config_to_dict(self.config),
                "agent": self.agent.state_dict(),
                "trainer": dict(self.state),
                "env_steps": self.state["env_steps"],
                "torch_rng": torch.get_rng_state(),
            },
        )

    def evaluate(self) -> dict[str, Any]:
        """The deterministic policy's returns over ``eval.episodes`` unseen episodes."""
        cfg = self.config
        result = evaluate_policy(
            self.agent.make_policy(deterministic=cfg.eval.deterministic),
            cfg.env,
            cfg.eval.episodes,
            seed=cfg.train.seed + EVAL_SEED_OFFSET,
        )
        return result.summary()

    def run(self) -> TrainingOutcome:
        """Train until ``train.total_steps`` env steps, the target return, or Ctrl-C."""
        cfg = self.config
        total, num_envs = cfg.train.total_steps, cfg.rollout.num_envs
        state = self.state
        recent_returns: deque[float] = deque(state["recent_returns"], maxlen=cfg.log.episode_window)
        recent_lengths: deque[int] = deque(state["recent_lengths"], maxlen=cfg.log.episode_window)
        episode_returns = np.zeros(num_envs)
        episode_lengths = np.zeros(num_envs, dtype=np.int64)
        restarts_before = state["worker_restarts"]  # env workers replaced in earlier sessions of this run
        log = MetricsLog(self.run_dir, tensorboard=cfg.log.tensorboard)
        # A resumed run starts fresh episodes from seeds no earlier reset used.
        first_seed = cfg.train.seed + state["resets"] * 7919 * num_envs
        self._follow_curriculum(state["env_steps"] / total)
        self.collector.reset([first_seed + i for i in range(num_envs)])

        def due(interval: int) -> int:
            return (state["env_steps"] // interval + 1) * interval

        next_log = due(cfg.log.interval)
        next_eval = due(cfg.eval.interval) if cfg.eval.interval else None
        next_checkpoint = due(cfg.train.checkpoint_interval)
        start = time.perf_counter() - state["wall_time"]
        last_row_time, last_row_steps = time.perf_counter(), state["env_steps"]
        latest_metrics: dict[str, float] = {}
        interrupted = reached_target = False
        progress = TrainingProgress(total, state["env_steps"], enabled=cfg.log.progress)
        try:
            with progress:
                while state["env_steps"] < total:
                    step = self.collector.step(state["env_steps"])
                    state["env_steps"] += num_envs
                    if step.restarted is not None:  # their episodes were lost with a rollout worker
                        episode_returns[step.restarted] = 0.0
                        episode_lengths[step.restarted] = 0
                    episode_returns += step.rewards
                    episode_lengths += 1
                    dones = step.terminated | step.truncated
                    if step.cut is not None or step.restarted is not None:
                        state["worker_restarts"] = restarts_before + self.env.worker_restarts
                    if dones.any():
                        # an episode cut short by a lost env worker is no real episode
                        counted = dones if step.cut is None else dones & ~step.cut
                        for index in np.flatnonzero(counted):
                            recent_returns.append(float(episode_returns[index]))
                            recent_lengths.append(int(episode_lengths[index]))
                        state["episodes"] += int(counted.sum())
                        episode_returns[dones] = 0.0
                        episode_lengths[dones] = 0
                    steps = state["env_steps"]
                    if self.agent.update_due(steps):
                        latest_metrics = self.agent.update(min(steps / total, 1.0))
                        latest_metrics.update(self._follow_curriculum(steps / total))
                    progress.advance(steps, recent_returns)

                    eval_row: dict[str, Any] = {}
                    if next_eval is not None and steps >= next_eval:
                        next_eval = due(cfg.eval.interval)
                        summary = self.evaluate()
                        eval_row = {
                            "eval/return_mean": summary["mean_return"],
                            "eval/return_std": summary["std_return"],
                        }
                        target = cfg.train.target_return
                        reached_target = target is not None and summary["mean_return"] >= target
                    if steps >= next_log or eval_row or reached_target or steps >= total:
                        next_log = due(cfg.log.interval)
                        now = time.perf_counter()
                        row = _episode_row(
                            steps,
                            now - start,
                            (steps - last_row_steps) / (now - last_row_time),
                            state["episodes"],
                            recent_returns,
                            recent_lengths,
                        )
                        if hasattr(self.env, "worker_restarts"):  # backends with worker processes
                            row["rollout/worker_restarts"] = state["worker_restarts"]
                        log.write({**row, **latest_metrics, **eval_row})
                        last_row_time, last_row_steps = now, steps
                    if steps >= next_checkpoint:
                        next_checkpoint = due(cfg.train.checkpoint_interval)
                        self._sync_state(start, recent_returns, recent_lengths)
                        self.save(f"step_{steps}.pt")
                        prune_checkpoints(self.checkpoint_dir, cfg.train.keep_checkpoints)
                    if reached_target:
                        progress.note(f"target return {cfg.train.target_return} reached at {steps} steps")
                        break
        except KeyboardInterrupt:
            interrupted = True
        finally:
            log.close()
            self.env.close()
        self._sync_state(start, recent_returns, recent_lengths)
        checkpoint = self.save("interrupted.pt" if interrupted else "final.pt")
        return TrainingOutcome(
            state["env_steps"], checkpoint, interrupted, reached_target, state["wall_time"]
        )

    def _follow_curriculum(self, progress: float) -> dict[str, float]:
        """Set the randomization scale the curriculum gives at ``progress``; it applies from each env's
        next reset. Returns the scale as a metric (nothing when there is no curriculum)."""
        curriculum = self.config.env.randomization.curriculum
        if curriculum is None or not self.config.env.randomization.parameters:
            return {}
        scale = curriculum.scale(progress)
        self.env.call("set_randomization_scale", scale)
        return {"randomization/scale": scale}

    def _sync_state(self, start: float, returns: deque[float], lengths: deque[int]) -> None:
        self.state["wall_time"] = time.perf_counter() - start
        self.state["recent_returns"] = list(returns)
        self.state["recent_lengths"] = list(lengths)


def _episode_row(
    steps: int, wall: float, speed: float, episodes: int, returns: deque[float], lengths: deque[int]
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "env_steps": steps,
        "wall_time": round(wall, 3),
        "steps_per_second": round(speed, 1),
        "episodes": episodes,
    }
    if returns:
        values = np.asarray(returns)
        row.update(
            return_mean=float(values.mean()),
            return_std=float(values.std()),
            return_min=float(values.min()),
            return_max=float(values.max()),
            length_mean=float(np.mean(lengths)),
        )
    return row
