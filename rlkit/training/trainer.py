"""The training loop: rollouts, updates, logging, periodic evaluation, checkpoints, Ctrl-C and resume."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rlkit.config.loading import config_to_dict
from rlkit.config.schema import RunConfig
from rlkit.errors import RlkitError
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET, evaluate_policy
from rlkit.rollout.vector_env import make_vector_env
from rlkit.runs.build import build_agent, check_budget, configure_torch
from rlkit.runs.checkpoint import LATEST, load_agent_state, prune_checkpoints, save_checkpoint
from rlkit.runs.model_files import portable_config
from rlkit.runs.stop_signals import exit_status, reclaim
from rlkit.training.collectors import LearnerActing, first_non_finite, make_collector
from rlkit.training.metrics_log import MetricsLog
from rlkit.training.progress import TrainingProgress


class DivergenceError(RlkitError):
    """A loss or the agent's weights became NaN or infinite; the run stops and keeps its last good
    checkpoint (``rlkit train`` exits with status 2, like other errors)."""


def first_non_finite_tensor(state: Any, prefix: str = "") -> str | None:
    """The key path of the first floating-point tensor in a nested state dict with a NaN or infinite value.

    One host sync for the whole state (the per-tensor flags are stacked), so cheap at checkpoint time.
    """
    found: list[tuple[str, torch.Tensor]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, torch.Tensor):
            if value.is_floating_point() and value.numel():
                found.append((path, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")

    walk(state, prefix)
    if not found:
        return None
    by_device: dict[torch.device, list[int]] = {}
    for i, (_, tensor) in enumerate(found):
        by_device.setdefault(tensor.device, []).append(i)
    finite = torch.ones(len(found), dtype=torch.bool)
    for indices in by_device.values():
        finite[indices] = torch.stack([torch.isfinite(found[i][1]).all() for i in indices]).cpu()
    if bool(finite.all()):
        return None
    return found[int((~finite).nonzero()[0])][0]


@dataclass(frozen=True)
class TrainingOutcome:
    """How a run ended."""

    env_steps: int
    checkpoint: Path
    interrupted: bool
    reached_target: bool
    wall_time: float
    #: The process's exit status: 0, or 128 + the signal that stopped the run (130 SIGINT, 143 SIGTERM).
    exit_status: int = 0


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
        check_budget(config)  # a resume's own limits are checked where it starts (resume_run)
        self.config = config
        self.run_dir = run_dir
        self.device = configure_torch(config)
        self.env = make_vector_env(config.env, config.rollout.num_envs, config.rollout)
        reclaim()  # ray.init replaces the SIGTERM handler with a plain exit, which would skip the checkpoint
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
        #: The envs' state to continue from (``--resume`` of a checkpoint that has it, same env config).
        self._resume_envs: dict[str, Any] | None = None
        if resume is not None:
            load_agent_state(self.agent, resume, config.env.id, config.agent.name)
            self.state.update(resume["trainer"])
            if "torch_rng" in resume:
                torch.set_rng_state(resume["torch_rng"])
            same_envs = (
                resume["config"].get("env") == config_to_dict(config)["env"]
                and resume["config"].get("rollout", {}).get("num_envs") == config.rollout.num_envs
            )
            if resume.get("envs") is not None and same_envs:
                self._resume_envs = resume["envs"]
            else:
                self.state["resets"] += 1

    @property
    def checkpoint_dir(self) -> Path:
        return self.run_dir / "checkpoints"

    def save(self, name: str, envs: dict[str, Any] | None = None) -> Path:
        """Write a checkpoint with the config, the agent's full state and the loop's state.

        Args:
            name: The checkpoint's file name.
            envs: The envs' state (:meth:`_capture_envs`), for a resume that continues their episodes.

        Raises:
            DivergenceError: The agent's state holds NaN or infinite values; nothing is written, so the
                checkpoints already there (and ``latest``) stay the last good ones.
        """
        agent_state = self.agent.state_dict()
        bad = first_non_finite_tensor(agent_state)
        if bad is not None:
            raise DivergenceError(
                f"training diverged at env step {self.state['env_steps']:,}: the agent's '{bad}' holds "
                f"NaN or infinite values; {self._last_good()} (try a lower agent.lr or agent.max_grad_norm)"
            )
        return save_checkpoint(
            self.checkpoint_dir,
            name,
            {
                "config": portable_config(config_to_dict(self.config), self.run_dir),
                "agent": agent_state,
                "trainer": dict(self.state),
                "env_steps": self.state["env_steps"],
                "torch_rng": torch.get_rng_state(),
                **({"envs": envs} if envs is not None else {}),
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
        self._episodes_in_flight = (episode_returns, episode_lengths)
        restarts_before = state["worker_restarts"]  # env workers replaced in earlier sessions of this run
        log = MetricsLog(self.run_dir, tensorboard=cfg.log.tensorboard)
        final_envs = None
        completed = False

        def due(interval: int) -> int:
            return (state["env_steps"] // interval + 1) * interval

        next_log = due(cfg.log.interval)
        next_eval = due(cfg.eval.interval) if cfg.eval.interval else None
        next_checkpoint = due(cfg.train.checkpoint_interval)
        start = time.perf_counter() - state["wall_time"]
        last_row_time, last_row_steps = time.perf_counter(), state["env_steps"]
        latest_metrics: dict[str, float] = {}
        interrupted = reached_target = False
        status = 0
        progress = TrainingProgress(total, state["env_steps"], enabled=cfg.log.progress)
        try:  # a stop signal from here on, even in the envs' first reset, leaves a checkpoint to resume from
            self._follow_curriculum(state["env_steps"] / total)
            self._start_episodes(episode_returns, episode_lengths)
            with progress:
                while state["env_steps"] < total:
                    step = self.collector.step(state["env_steps"])
                    state["env_steps"] += num_envs
                    bad = first_non_finite(step)
                    if bad is not None:
                        raise self._non_finite_env(*bad)
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
                        self._check_losses(latest_metrics, steps)
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
                        row["train/gradient_steps"] = self.agent.gradient_steps_done
                        if hasattr(self.env, "worker_restarts"):  # backends with worker processes
                            row["rollout/worker_restarts"] = state["worker_restarts"]
                        log.write({**row, **latest_metrics, **eval_row})
                        progress.logged(
                            steps, (steps - last_row_steps) / (now - last_row_time), recent_returns
                        )
                        last_row_time, last_row_steps = now, steps
                    if steps >= next_checkpoint:
                        next_checkpoint = due(cfg.train.checkpoint_interval)
                        self._sync_state(start, recent_returns, recent_lengths)
                        self.save(f"step_{steps}.pt", self._capture_envs())
                        prune_checkpoints(self.checkpoint_dir, cfg.train.keep_checkpoints)
                    if reached_target:
                        progress.note(f"target return {cfg.train.target_return} reached at {steps} steps")
                        break
            completed = True
        except KeyboardInterrupt as stop:  # SIGINT or SIGTERM (rlkit.runs.stop_signals)
            interrupted = True
            status = exit_status(stop)
            # Saved before the envs close: a worker busy in a slow step takes seconds to stop, which a
            # scheduler's grace period may not leave. The envs may have been stopped mid-step, so their state
            # is not saved: a resume starts fresh episodes.
            self._sync_state(start, recent_returns, recent_lengths)
            checkpoint = self.save("interrupted.pt")
        finally:
            log.close()
            if completed:
                final_envs = self._capture_envs()
            self.env.close()
        if not interrupted:
            self._sync_state(start, recent_returns, recent_lengths)
            checkpoint = self.save("final.pt", final_envs)
        return TrainingOutcome(
            state["env_steps"], checkpoint, interrupted, reached_target, state["wall_time"], status
        )

    def _start_episodes(self, episode_returns: np.ndarray, episode_lengths: np.ndarray) -> None:
        """Restore the envs' episodes in flight from the checkpoint where it saved them, else reset them."""
        cfg, state, num_envs = self.config, self.state, self.config.rollout.num_envs
        if self._resume_envs is not None and self._restore_envs(self._resume_envs):
            episode_returns[:] = state["episode_returns"]
            episode_lengths[:] = state["episode_lengths"]
        else:
            if self._resume_envs is not None:
                state["resets"] += 1
            # A resumed run without its envs' state starts fresh episodes from seeds no earlier reset used.
            first_seed = cfg.train.seed + state["resets"] * 7919 * num_envs
            self.collector.reset([first_seed + i for i in range(num_envs)])
        self._resume_envs = None

    def _last_good(self) -> str:
        latest = self.checkpoint_dir / LATEST
        if not latest.is_file():
            return "no checkpoint was written before"
        return f"the last good checkpoint is {self.checkpoint_dir / latest.read_text().strip()} (latest)"

    def _check_losses(self, metrics: dict[str, Any], steps: int) -> None:
        """Stop at the first update whose loss is NaN or infinite, before it is logged or checkpointed."""
        for key, value in metrics.items():
            if key.startswith("loss/") and not math.isfinite(value):
                raise DivergenceError(
                    f"training diverged at env step {steps:,}: {key} is {value}; stopped without saving, "
                    f"{self._last_good()} (try a lower agent.lr or agent.max_grad_norm)"
                )

    def _non_finite_env(self, what: str, index: int, value: float) -> RlkitError:
        return RlkitError(
            f"env '{self.config.env.id}' returned a non-finite {what} ({value}) at env step "
            f"{self.state['env_steps']:,} (env {index}); rewards and observations must be finite numbers"
        )

    def _follow_curriculum(self, progress: float) -> dict[str, float]:
        """Set the randomization scales the curricula give at ``progress`` (physics and visual, each its
        own); they apply from each env's next reset. Returns the scales as metrics (none without one)."""
        env = self.config.env
        metrics: dict[str, float] = {}
        physics = env.randomization
        if physics.curriculum is not None and physics.parameters:
            metrics["randomization/scale"] = physics.curriculum.scale(progress)
            self.env.call("set_randomization_scale", metrics["randomization/scale"])
        visual = env.visual_randomization
        if visual is not None and visual.curriculum is not None:
            metrics["visual_randomization/scale"] = visual.scale * visual.curriculum.scale(progress)
            self.env.call("set_visual_randomization_scale", metrics["visual_randomization/scale"])
        return metrics

    def _sync_state(self, start: float, returns: deque[float], lengths: deque[int]) -> None:
        self.state["wall_time"] = time.perf_counter() - start
        self.state["recent_returns"] = list(returns)
        self.state["recent_lengths"] = list(lengths)
        self.state["episode_returns"] = self._episodes_in_flight[0].tolist()
        self.state["episode_lengths"] = self._episodes_in_flight[1].tolist()

    def _capture_envs(self) -> dict[str, Any] | None:
        """The envs' state and the observations the agent acts on next, where the backend allows (``sync``
        envs stepped by the learner's agent; see :mod:`rlkit.envs.env_state`)."""
        from rlkit.envs.env_state import (  # the loop drives envs; rlkit's core imports lazily
            capture_envs,
            encode,
        )

        obs = getattr(self.collector, "obs", None)
        envs = capture_envs(self.env) if isinstance(self.collector, LearnerActing) else None
        if envs is None or obs is None:
            return None
        return {"envs": envs, "obs": encode(obs)}

    def _restore_envs(self, saved: dict[str, Any]) -> bool:
        """Continue the episodes a checkpoint's envs were in; False where the envs do not fit the state."""
        from rlkit.envs.env_state import decode, restore_envs

        if not isinstance(self.collector, LearnerActing) or not restore_envs(self.env, saved["envs"]):
            return False
        self.collector.obs = decode(saved["obs"])
        return True


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
