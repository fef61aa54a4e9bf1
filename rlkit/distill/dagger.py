"""DAgger from a privileged teacher into a student that sees only the simulated sensors (or pixels).

The standard sim2real recipe for legged robots: train a teacher with what only a simulator knows (the true,
noise-free state and the sampled physics), then distil it into a student that observes what the robot
will: noisy, delayed sensors or a camera. Behaviour cloning alone fails because the student, once it errs,
visits states the teacher never did; DAgger (Ross et al., 2011) fixes that by letting the student act and
asking the teacher what it should have done:

1. collect ``distill.steps_per_iteration`` env steps in the student's env, acting with the teacher with
   probability ``beta`` (``beta_start × beta_decay^iteration``) per env and step, else with the student;
2. label every visited step with the teacher's action, computed from the teacher's own view of the same
   step (:class:`rlkit.envs.teacher_view.TeacherView`: the state before the sensor models, and the physics);
3. add the labelled steps to the dataset, and fit the student's actor to it for ``distill.epochs``
   (cross-entropy for discrete actions, squared error of the deterministic action for continuous ones);
4. evaluate the student alone in its env, log a row, write a checkpoint.

The student is a normal rlkit run: ``rlkit eval``, ``--video`` and export work on its directory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812  (the conventional alias)

from rlkit.config.schema import OptimizedAgentConfig, RunConfig
from rlkit.distill.dataset import LabelledDataset
from rlkit.distill.student import make_student_envs, save_student, student_mean_return
from rlkit.distill.teacher import Teacher
from rlkit.errors import RlkitError
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET
from rlkit.optim import clip_gradients
from rlkit.runs.build import build_agent, configure_torch
from rlkit.seeding import seeded_generator
from rlkit.training.metrics_log import MetricsLog

#: Squashed policies are fitted to labels pulled this far inside (-1, 1), where atanh is finite.
_SQUASH_MARGIN = 1e-4


@dataclass(frozen=True)
class DistillOutcome:
    """How a distillation ended."""

    env_steps: int
    checkpoint: Path
    wall_time: float
    teacher_return: float
    student_return: float


class Distiller:
    """Owns the teacher, the student, the student's env stack and the run directory.

    Construction builds everything that can fail on bad input before the run directory is touched.

    Args:
        teacher: The teacher's run directory or checkpoint.
        config: The student's run config (its ``env`` is what the student observes; ``distill`` the recipe).
        run_dir: The student's run directory.

    Raises:
        RlkitError: The student's agent has no feed-forward policy to fit (its deployable policy has no
            trainable part), or the teacher's observations or actions cannot be matched to the student's env.
    """

    def __init__(self, teacher: str | Path, config: RunConfig, run_dir: Path) -> None:
        self.teacher = Teacher.restore(teacher)
        self.teacher_config = self.teacher.config
        self.teacher_policy = self.teacher.policy
        self.config = config
        self.run_dir = run_dir
        self.device = configure_torch(config)
        if self.teacher_config.env.id != config.env.id:
            raise RlkitError(
                f"the teacher was trained on '{self.teacher_config.env.id}' and the student is configured "
                f"for '{config.env.id}': distillation needs the same env.id"
            )
        self.env = make_student_envs(config).env
        self.agent = build_agent(
            config, self.env.single_observation_space, self.env.single_action_space, self.device
        )
        # The student says what it can be fitted through: its deployable policy's live, trainable part.
        try:
            trainable = self.agent.deployable_policy().trainable
        except RlkitError:  # an agent with no deployable policy has no policy to fit either
            trainable = None
        if trainable is None:
            raise RlkitError(
                f"rlkit distill trains feed-forward actor-critic students (ppo, a2c, reinforce); "
                f"agent.name is '{config.agent.name}'"
            )
        self.student = trainable
        self.policy = trainable.network
        teacher_actions = self.teacher.action_space
        if teacher_actions != self.env.single_action_space:
            raise RlkitError(
                f"the teacher acts in {teacher_actions} and the student's env in "
                f"{self.env.single_action_space}: they must be the same"
            )
        self.discrete = isinstance(self.env.single_action_space, gym.spaces.Discrete)
        self.squash = trainable.squash
        self.dataset = LabelledDataset(config.distill.dataset_size)
        # who acts (teacher or student) and the minibatch order
        self.rng = seeded_generator(config.train.seed, "distillation")

    # ------------------------------------------------------------------------------------------- views

    def teacher_observation(self, infos: dict[str, Any]) -> Any:
        """The teacher's observations of the current step, assembled from the student's env ``infos``."""
        return self.teacher.observation(infos)

    def _labels(self, teacher_actions: np.ndarray) -> np.ndarray:
        """The teacher's env actions as the student's policy outputs them."""
        space = self.env.single_action_space
        if self.discrete or not self.squash or not isinstance(space, gym.spaces.Box):
            return teacher_actions
        unit = 2.0 * (teacher_actions - space.low) / (space.high - space.low) - 1.0
        return np.clip(unit, -1.0 + _SQUASH_MARGIN, 1.0 - _SQUASH_MARGIN).astype(np.float32)

    # ---------------------------------------------------------------------------------------- the loop

    def run(self) -> DistillOutcome:
        """Run every DAgger iteration, then write the final checkpoint."""
        cfg, distill = self.config, self.config.distill
        num_envs = cfg.rollout.num_envs
        start = time.perf_counter()
        teacher_return = self.teacher.mean_return(cfg.eval.episodes, cfg.train.seed + EVAL_SEED_OFFSET)
        log = MetricsLog(self.run_dir, tensorboard=cfg.log.tensorboard)
        obs, infos = self.env.reset(seed=[cfg.train.seed + i for i in range(num_envs)])
        starts = np.ones(num_envs, dtype=bool)
        steps, student_return, checkpoint = 0, float("nan"), self.run_dir
        try:
            for iteration in range(distill.iterations):
                beta = distill.beta_start * distill.beta_decay**iteration
                for _ in range(max(1, distill.steps_per_iteration // num_envs)):
                    teacher_actions = self.teacher_policy(self.teacher_observation(infos), starts)
                    self.policy.observe(self.student.to_tensor(obs))
                    self.dataset.add(obs, self._labels(teacher_actions))
                    teacher_acts = self.rng.random(num_envs) < beta
                    if teacher_acts.all():
                        actions = teacher_actions
                    else:
                        student_actions = self.agent.act(obs, deterministic=True)
                        mask = teacher_acts.reshape(-1, *([1] * (student_actions.ndim - 1)))
                        actions = np.where(mask, teacher_actions, student_actions)
                    obs, _, terminated, truncated, infos = self.env.step(actions)
                    starts = terminated | truncated
                    steps += num_envs
                loss = self._fit()
                student_return = student_mean_return(self.agent.make_policy(deterministic=True), cfg)
                log.write(
                    {
                        "env_steps": steps,
                        "wall_time": round(time.perf_counter() - start, 3),
                        "distill/iteration": iteration + 1,
                        "distill/beta": beta,
                        "distill/dataset": self.dataset.size,
                        "distill/loss": loss,
                        "teacher/return_mean": teacher_return,
                        "eval/return_mean": student_return,
                    }
                )
                checkpoint = self.save(steps, "final.pt" if iteration + 1 == distill.iterations else None)
        finally:
            log.close()
            self.env.close()
        return DistillOutcome(steps, checkpoint, time.perf_counter() - start, teacher_return, student_return)

    def _fit(self) -> float:
        """``distill.epochs`` passes over the dataset; the mean loss of the last pass."""
        distill = self.config.distill
        optimizer = self.student.optimizer
        agent_config = self.agent.config
        # a student is one of rlkit's feed-forward actor-critics (its trainable policy was checked at start)
        assert isinstance(agent_config, OptimizedAgentConfig)
        max_grad_norm = agent_config.max_grad_norm
        parameters = list(self.policy.parameters())
        losses: list[torch.Tensor] = []
        for _ in range(distill.epochs):
            losses.clear()
            for obs, labels in self.dataset.minibatches(distill.batch_size, self.rng):
                dist = self.policy.distribution(self.policy.normalize(self.student.to_tensor(obs)))
                if self.discrete:
                    targets = torch.as_tensor(labels, dtype=torch.long, device=self.device)
                    loss = -dist.log_prob(targets).mean()
                else:
                    targets = torch.as_tensor(labels, dtype=torch.float32, device=self.device)
                    loss = F.mse_loss(dist.mode(), targets)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                clip_gradients(parameters, max_grad_norm)
                optimizer.step()
                losses.append(loss.detach())
        return float(torch.stack(losses).mean())

    def save(self, steps: int, name: str | None = None) -> Path:
        """A checkpoint that ``rlkit eval`` reads like a trained run's (``step_<N>.pt`` by default)."""
        return save_student(self.run_dir, self.config, self.agent.state_dict(), steps, name)
