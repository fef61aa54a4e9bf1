"""The training loop: collect, update, evaluate, log and checkpoint until the step budget, the target return
or a stop signal; and resume from a checkpoint.

:meth:`Trainer.run` is the outer loop of every algorithm; what it does when is in small collaborators:
:class:`~rlkit.training.episode_stats.EpisodeStats` (the episodes' returns and lengths),
:class:`~rlkit.training.intervals.Interval` (when logging, evaluation and checkpoints are due),
:class:`~rlkit.training.periodic_evaluation.PeriodicEvaluation` (evaluation and the target return),
:class:`~rlkit.training.metrics_rows.MetricsRows` (the rows of ``metrics.csv``) and
:class:`~rlkit.training.loop_state.LoopState` (what a checkpoint keeps of the loop).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rlkit.config.loading import config_to_dict
from rlkit.config.schema import RunConfig
from rlkit.envs.env_state import capture_envs, decode, encode, restore_envs
from rlkit.errors import RlkitError
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET, evaluate_policy
from rlkit.evaluate.matches import random_player
from rlkit.rollout.agent_rows import AgentRowsVectorEnv
from rlkit.rollout.opponent_seats import OpponentSeats
from rlkit.rollout.vector_env import (
    WORKER_BACKENDS,
    RolloutVectorEnv,
    describe_backend_choice,
    make_vector_env,
)
from rlkit.runs.build import build_agent, check_budget, configure_torch
from rlkit.runs.checkpoint import load_agent_state, prune_checkpoints, save_checkpoint
from rlkit.runs.model_files import portable_config
from rlkit.runs.stop_signals import exit_status, reclaim
from rlkit.training.collectors import CollectedStep, LearnerActing, first_non_finite, make_collector
from rlkit.training.divergence import check_agent_state, check_losses
from rlkit.training.episode_stats import EpisodeStats
from rlkit.training.intervals import Interval
from rlkit.training.loop_state import LoopState
from rlkit.training.metrics_log import MetricsLog
from rlkit.training.metrics_rows import MetricsRows
from rlkit.training.periodic_evaluation import PeriodicEvaluation
from rlkit.training.progress import TrainingProgress
from rlkit.training.self_play import SelfPlayLeague
from rlkit.training.team_stats import TeamStats

logger = logging.getLogger(__name__)

#: Each fresh reset of a run draws its envs' seeds this many times ``num_envs`` above the last one's, so no
#: two resets share a seed.
_RESET_SEED_STRIDE = 7919


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

    Attributes:
        state: The loop's counters and episodes, as checkpoints keep them.
    """

    def __init__(self, config: RunConfig, run_dir: Path, resume: dict[str, Any] | None = None) -> None:
        check_budget(config)  # a resume's own limits are checked where it starts (resume_run)
        self.config = config
        self.run_dir = run_dir
        self.device = configure_torch(config)
        self.env: RolloutVectorEnv | OpponentSeats = make_vector_env(
            config.env, config.rollout.num_envs, config.rollout
        )
        reclaim()  # ray.init replaces the SIGTERM handler with a plain exit, which would skip the checkpoint
        #: What rlkit chose where the config left it the backend (``rollout.backend: auto``): a log line.
        self.backend_choice = describe_backend_choice(self.env, config.env, config.rollout)
        if config.self_play is not None and not isinstance(self.env, AgentRowsVectorEnv):
            self.env.close()
            raise RlkitError(
                f"self_play needs a multi-agent game (a PettingZoo env); environment '{config.env.id}' is not"
            )
        self.agent = build_agent(
            config,
            self.env.single_observation_space,
            self.env.single_action_space,
            self.device,
            # the learner's rows: one per game in self-play, else every agent of every game
            num_envs=config.rollout.num_envs if config.self_play is not None else self.env.num_envs,
        )
        #: Self-play's opponent pool and ratings (``self_play``); None otherwise.
        self.league: SelfPlayLeague | None = None
        if config.self_play is not None and isinstance(self.env, AgentRowsVectorEnv):
            self.league = SelfPlayLeague(
                config.self_play,
                self.agent,
                config.train.seed,
                random_player(config.train.seed, self.env.single_action_space),
            )
            self.env = OpponentSeats(self.env, self.league.opponents, self.league.choose, config.train.seed)
        self.collector = make_collector(self.env, self.agent, config)
        self.state = LoopState()
        #: The envs' state to continue from (``--resume`` of a checkpoint that has it, same env config).
        self._resume_envs: dict[str, Any] | None = None
        if resume is not None:
            load_agent_state(self.agent, resume, config.env.id, config.agent.name)
            if self.league is not None and "self_play" in resume:
                self.league.load_state_dict(resume["self_play"])
            self.state = LoopState.from_dict(resume["trainer"])
            if "torch_rng" in resume:
                torch.set_rng_state(resume["torch_rng"])
            same_envs = (
                resume["config"].get("env") == config_to_dict(config)["env"]
                and resume["config"].get("rollout", {}).get("num_envs") == config.rollout.num_envs
            )
            if resume.get("envs") is not None and same_envs:
                self._resume_envs = resume["envs"]
            else:
                self.state.resets += 1

    @property
    def checkpoint_dir(self) -> Path:
        """The run's ``checkpoints/`` directory."""
        return self.run_dir / "checkpoints"

    def save(self, name: str, envs: dict[str, Any] | None = None) -> Path:
        """Write a checkpoint with the config, the agent's full state and the loop's state.

        Args:
            name: The checkpoint's file name.
            envs: The envs' state (:meth:`_capture_envs`), for a resume that continues their episodes.

        Raises:
            DivergenceError: The agent's state holds NaN or infinite values
                (:class:`rlkit.training.divergence.DivergenceError`); nothing is written, so the checkpoints
                already there (and ``latest``) stay the last good ones.
        """
        agent_state = self.agent.state_dict()
        check_agent_state(agent_state, self.state.env_steps, self.checkpoint_dir)
        return save_checkpoint(
            self.checkpoint_dir,
            name,
            {
                "config": portable_config(config_to_dict(self.config), self.run_dir),
                "agent": agent_state,
                "trainer": self.state.to_dict(),
                "env_steps": self.state.env_steps,
                "torch_rng": torch.get_rng_state(),
                **({"envs": envs} if envs is not None else {}),
                **({"self_play": self.league.state_dict()} if self.league is not None else {}),
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
            threads=cfg.rollout.threads,
        )
        return result.summary()

    def run(self) -> TrainingOutcome:
        """Train until ``train.total_steps`` env steps, the target return, or Ctrl-C (SIGINT) or SIGTERM.

        Whatever ends the run leaves a checkpoint to resume from: ``final.pt``, or ``interrupted.pt`` after a
        stop signal (the outcome's ``exit_status`` then says which). The envs are closed in every case.
        """
        cfg, state = self.config, self.state
        episodes = EpisodeStats(self.env.num_envs, cfg.log.episode_window, state)
        log = MetricsLog(self.run_dir, tensorboard=cfg.log.tensorboard)
        rows = MetricsRows(time.perf_counter() - state.wall_time, state.env_steps)
        progress = TrainingProgress(cfg.train.total_steps, state.env_steps, enabled=cfg.log.progress)
        if self.backend_choice is not None:
            logger.info(self.backend_choice)
            progress.note(self.backend_choice)
        final_envs = None
        completed = interrupted = reached_target = False
        status = 0
        try:  # a stop signal from here on, even in the envs' first reset, leaves a checkpoint to resume from
            self._follow_curriculum(state.env_steps / cfg.train.total_steps)
            self._start_episodes(episodes)
            with progress:
                reached_target = self._train(episodes, log, rows, progress)
            completed = True
        except KeyboardInterrupt as stop:  # SIGINT or SIGTERM (rlkit.runs.stop_signals)
            interrupted = True
            status = exit_status(stop)
            # Saved before the envs close: a worker busy in a slow step takes seconds to stop, which a
            # scheduler's grace period may not leave. The envs may have been stopped mid-step, so their state
            # is not saved: a resume starts fresh episodes.
            self._sync_state(episodes, rows)
            checkpoint = self.save("interrupted.pt")
        finally:
            log.close()
            if completed:
                final_envs = self._capture_envs()
            self.env.close()
        if not interrupted:
            self._sync_state(episodes, rows)
            checkpoint = self.save("final.pt", final_envs)
        if self.league is not None:
            self.league.write(self.run_dir / "self_play.json")
        return TrainingOutcome(
            state.env_steps, checkpoint, interrupted, reached_target, state.wall_time, status
        )

    def _train(
        self, episodes: EpisodeStats, log: MetricsLog, rows: MetricsRows, progress: TrainingProgress
    ) -> bool:
        """The outer loop: collect a vector step and count it; update, evaluate, log and checkpoint when each
        is due; stop at the step budget or the target return. Returns whether the target was reached."""
        cfg, state = self.config, self.state
        total, num_envs = cfg.train.total_steps, cfg.rollout.num_envs
        log_interval = Interval(cfg.log.interval, state.env_steps)
        checkpoint_interval = Interval(cfg.train.checkpoint_interval, state.env_steps)
        evaluation = PeriodicEvaluation(
            self.evaluate, Interval(cfg.eval.interval, state.env_steps), cfg.train.target_return
        )
        restarts_before = state.worker_restarts  # env workers replaced in earlier sessions of this run
        agent_metrics: dict[str, float] = {}
        teams = (
            TeamStats(self.env.agent_names, num_envs, cfg.log.episode_window)
            if isinstance(self.env, AgentRowsVectorEnv)
            else None
        )
        league = self.league
        snapshots = Interval(cfg.self_play.snapshot_interval, state.env_steps) if cfg.self_play else None
        while state.env_steps < total:
            with rows.timed("rollout"):
                step = self.collector.step(state.env_steps)
            state.env_steps += num_envs  # env steps: a multi-agent game's step is one, whatever its agents
            self._check_finite(step)
            episodes.record(step)
            if teams is not None:
                teams.record(step)
            if league is not None and snapshots is not None:
                league.record(step.infos or {})
                if snapshots.due(state.env_steps):
                    league.snapshot(state.env_steps)
            lost_worker = step.cut is not None or step.restarted is not None
            if lost_worker and isinstance(self.env, WORKER_BACKENDS):  # count its successor
                state.worker_restarts = restarts_before + self.env.worker_restarts
            steps = state.env_steps
            if self.agent.update_due(steps):
                with rows.timed("update"):
                    agent_metrics = self._update(steps)
            progress.advance(steps, episodes.recent_returns)
            eval_columns = evaluation.run_if_due(steps)
            # a row also for every evaluation (its columns), for the target return and for the last step
            if log_interval.due(steps) or eval_columns or evaluation.reached_target or steps >= total:
                team_columns = teams.metrics() if teams is not None else {}
                if league is not None:
                    team_columns.update(league.metrics())
                self._write_row(
                    log, rows, progress, steps, episodes, agent_metrics, team_columns, eval_columns
                )
            if checkpoint_interval.due(steps):
                self._sync_state(episodes, rows)
                self.save(f"step_{steps}.pt", self._capture_envs())
                prune_checkpoints(self.checkpoint_dir, cfg.train.keep_checkpoints)
            if evaluation.reached_target:
                progress.note(f"target return {cfg.train.target_return} reached at {steps} steps")
                return True
        return False

    def _start_episodes(self, episodes: EpisodeStats) -> None:
        """Restore the envs' episodes in flight from the checkpoint where it saved them, else reset them."""
        cfg, state, num_envs = self.config, self.state, self.config.rollout.num_envs
        if self._resume_envs is not None and self._restore_envs(self._resume_envs):
            episodes.continue_in_flight(state)
        else:
            if self._resume_envs is not None:
                state.resets += 1
            # A resumed run without its envs' state starts fresh episodes from seeds no earlier reset used.
            first_seed = cfg.train.seed + state.resets * _RESET_SEED_STRIDE * num_envs
            self.collector.reset([first_seed + i for i in range(num_envs)])
        self._resume_envs = None

    def _check_finite(self, step: CollectedStep) -> None:
        """Stop at an env's first NaN or infinite reward or observation, before the agent learns from it."""
        bad = first_non_finite(step)
        if bad is not None:
            what, index, value = bad
            raise RlkitError(
                f"env '{self.config.env.id}' returned a non-finite {what} ({value}) at env step "
                f"{self.state.env_steps:,} (env {index}); rewards and observations must be finite numbers"
            )

    def _update(self, steps: int) -> dict[str, float]:
        """One update of the agent, stopped if it diverged; its metrics, with the curricula's new scales."""
        total = self.config.train.total_steps
        metrics = self.agent.update(min(steps / total, 1.0))
        check_losses(metrics, steps, self.checkpoint_dir)
        metrics.update(self._follow_curriculum(steps / total))
        metrics.update(self._terrain_levels())
        return metrics

    def _write_row(
        self,
        log: MetricsLog,
        rows: MetricsRows,
        progress: TrainingProgress,
        steps: int,
        episodes: EpisodeStats,
        *columns: dict[str, float],
    ) -> None:
        """Write a row of ``metrics.csv`` (and TensorBoard) with ``columns`` last, and show the progress."""
        counters: dict[str, int] = {"train/gradient_steps": self.agent.gradient_steps_done}
        if isinstance(self.env, WORKER_BACKENDS):
            counters["rollout/worker_restarts"] = self.state.worker_restarts
        row, steps_per_second = rows.build(steps, episodes, counters, rows.time_split(), *columns)
        log.write(row)
        progress.logged(steps, steps_per_second, episodes.recent_returns)

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

    def _terrain_levels(self) -> dict[str, float]:
        """The envs' mean terrain level (``env.task.terrain``; its curriculum moves it), as a metric."""
        task = self.config.env.task
        if task is None or task.terrain is None:
            return {}
        levels = [level for level in self.env.call("terrain_level") if level is not None]
        return {"terrain/level_mean": float(np.mean(levels))} if levels else {}

    def _sync_state(self, episodes: EpisodeStats, rows: MetricsRows) -> None:
        """Bring :attr:`state` up to date for a checkpoint: the wall time and the episodes."""
        self.state.wall_time = rows.wall_time()
        episodes.save_to(self.state)

    def _capture_envs(self) -> dict[str, Any] | None:
        """The envs' state and the observations the agent acts on next, where the backend allows (``sync``
        and ``batched`` envs stepped by the learner's agent; see :mod:`rlkit.envs.env_state`)."""
        obs = getattr(self.collector, "obs", None)
        envs = capture_envs(self.env) if isinstance(self.collector, LearnerActing) else None
        if envs is None or obs is None:
            return None
        return {"envs": envs, "obs": encode(obs)}

    def _restore_envs(self, saved: dict[str, Any]) -> bool:
        """Continue the episodes a checkpoint's envs were in; False where the envs do not fit the state."""
        if not isinstance(self.collector, LearnerActing) or not restore_envs(self.env, saved["envs"]):
            return False
        self.collector.obs = decode(saved["obs"])
        return True
