"""Online adaptation as in Rapid Motor Adaptation (Kumar et al., 2021): ``rlkit distill`` with
``distill.method: adaptation``.

RMA's first phase is a teacher trained with ``env.randomization.observe_parameters``: its policy π(x_t, e_t)
reads the robot's observation x_t and the physics e_t sampled for the episode (the privileged parameters).
The second phase, here, trains an adaptation module φ that estimates e_t from what the robot itself observed
over the last k steps (``env.sensors.history: k`` in the student's env; the task's ``last_action`` where it
observes one), while π stays frozen. The student π(x_t, φ(x_{t-k+1..t})) then adapts online: a heavier pole
or a weaker motor shows in how the recent readings moved, and φ passes it on to π within k steps.

1. collect ``distill.steps_per_iteration`` env steps in the student's env: the student acts, or with
   probability ``beta`` (``beta_start × beta_decay^iteration``) per env and step the teacher, on its own view
   of the step (``info["teacher_state"]``), so that an untrained φ does not end every episode at once;
   RMA itself lets the student act from the start (``distill.beta_start=0``);
2. label every visited history with the true parameters the env reports (``info["teacher_parameters"]``);
3. add them to the dataset and regress φ onto them for ``distill.epochs``: the squared error of the
   standardized parameters (each parameter standardized by its running mean and std, so that all count,
   whatever their units);
4. evaluate the student alone in its env, log a row (the loss, and each parameter's error on the
   iteration's fresh steps, measured before the fit), write a checkpoint.

The student's run is a normal run of agent ``rma`` (:class:`rlkit.agents.rma.RMAStudent`, built through
the registry): its ``agent`` section names the teacher's agent as its base, and its checkpoint holds φ and the
teacher's weights, so ``rlkit eval`` and ``rlkit export`` work on it alone; the exported graph takes the
observation history and holds φ.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812  (the conventional alias)

from rlkit.config.loading import config_from_dict, config_to_dict
from rlkit.config.schema import RunConfig
from rlkit.distill.dagger import DistillOutcome
from rlkit.distill.dataset import LabelledDataset
from rlkit.distill.student import StudentEnvs, make_student_envs, save_student, student_mean_return
from rlkit.distill.teacher import Teacher
from rlkit.errors import RlkitError
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET
from rlkit.runs.build import build_agent, configure_torch
from rlkit.seeding import seeded_generator
from rlkit.training.metrics_log import MetricsLog


def check_adaptation_inputs(teacher: RunConfig, student: RunConfig) -> None:
    """Refuse, in one line, a teacher and a student config that adaptation cannot join: another env, a
    teacher that did not observe the physics, a student without a history, or other randomized physics.

    Raises:
        RlkitError: Naming what differs and what would be valid.
    """
    if teacher.env.id != student.env.id:
        raise RlkitError(
            f"the teacher was trained on '{teacher.env.id}' and the student is configured for "
            f"'{student.env.id}': distillation needs the same env.id"
        )
    if not teacher.env.randomization.observe_parameters:
        raise RlkitError(
            "distill.method adaptation estimates the physics the teacher's policy reads, and the teacher was "
            "trained without them: train it with env.randomization.observe_parameters=true"
        )
    history = student.env.sensors.history
    if history < 2:
        raise RlkitError(
            f"distill.method adaptation estimates the physics from the student's recent readings, and "
            f"env.sensors.history is {history}: observe more than one (RMA reads about half a second)"
        )
    randomization = student.env.randomization
    if randomization.observe_parameters or randomization.privileged_observation:
        raise RlkitError(
            "the student's env must not observe the physics it learns to estimate: set "
            "env.randomization.observe_parameters and env.randomization.privileged_observation to false"
        )
    ours, theirs = randomization.parameters, teacher.env.randomization.parameters
    if ours != theirs:
        index = _first_difference(ours, theirs)
        student_entry, teacher_entry = _entry(ours, index), _entry(theirs, index)
        entry = f"entry {index}: {student_entry} for the student, {teacher_entry} for the teacher"
        raise RlkitError(
            f"the student's env.randomization.parameters differ from the teacher's ({entry}): the adaptation "
            "module estimates what the teacher observed, so both must randomize the same parameters over the "
            "same ranges"
        )


def _first_difference(a: Sequence[Any], b: Sequence[Any]) -> int:
    """The first index where two lists differ (the shorter one's length where one extends the other)."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _entry(parameters: list[Any], index: int) -> str:
    """Entry ``index`` of a ``randomization.parameters`` list as YAML-like text (``none`` past its end)."""
    if index >= len(parameters):
        return "none"
    fields = parameters[index].model_dump(exclude_defaults=True)
    return "{" + ", ".join(f"{key}: {value}" for key, value in fields.items()) + "}"


def check_reading(teacher: Teacher, student: StudentEnvs, history: int) -> int:
    """The values in one of the student's readings, once it is checked that the base policy can read the
    student's latest reading where the teacher read its own observation (the same channels, in order).

    Raises:
        RlkitError: The readings and the teacher's observation differ (the first differing channel named).
    """
    parameters = student.parameters
    teacher_channels = teacher.channels
    if teacher_channels is None or student.channels is None or len(student.channels) % history:
        raise RlkitError(
            "distill.method adaptation needs flat Box observations: the teacher's robot values, then the "
            "physics, and the student's readings side by side"
        )
    reading = len(student.channels) // history
    robot, physics = teacher_channels[: -len(parameters)], teacher_channels[-len(parameters) :]
    if physics != parameters:
        raise RlkitError(
            f"the teacher observes the physics {physics[:3]}..., the student's env randomizes "
            f"{parameters[:3]}...: teacher and student must share env.randomization.parameters"
        )
    latest = student.channels[-reading:]
    if latest != robot:
        index = _first_difference(latest, robot)
        ours = f"'{latest[index]}'" if index < len(latest) else "nothing"
        theirs = f"'{robot[index]}'" if index < len(robot) else "nothing"
        raise RlkitError(
            f"the teacher's policy reads {len(robot)} values besides the physics and the student's readings "
            f"have {len(latest)} (channel {index}: {theirs} for the teacher, {ours} for the student): the "
            "student's readings must be the teacher's channels (env.task.observations, env.sensors.observed)"
        )
    return reading


def adapted_config(config: RunConfig, teacher: RunConfig, parameters: list[str]) -> RunConfig:
    """The student's run config: ``config`` with an ``rma`` agent whose base is the teacher's agent section,
    estimating ``parameters`` with ``distill.adaptation``'s network from ``env.sensors.history`` readings."""
    raw = config_to_dict(config)
    raw["agent"] = {
        "name": "rma",
        "base": config_to_dict(teacher)["agent"],
        "parameters": list(parameters),
        "history": config.env.sensors.history,
        "adaptation": raw["distill"]["adaptation"],
    }
    return config_from_dict(raw)


class AdaptationDistiller:
    """Owns the teacher, the student (agent ``rma``), the student's env stack and the run directory.

    Construction checks everything that can fail on bad input before the run directory is touched.

    Args:
        teacher: The teacher's run directory or checkpoint.
        config: The student's config: its ``env`` is what the student observes, its ``distill`` the recipe
            (its ``agent`` section is replaced by the ``rma`` student's: :attr:`config`).
        run_dir: The student's run directory.

    Raises:
        RlkitError: The teacher and the student cannot be joined (:func:`check_adaptation_inputs`,
            :func:`check_reading`), they act differently, or the teacher's policy cannot be adapted (a
            recurrent one, or one its agent cannot export).
    """

    def __init__(self, teacher: str | Path, config: RunConfig, run_dir: Path) -> None:
        self.teacher = Teacher.restore(teacher)
        check_adaptation_inputs(self.teacher.config, config)
        self.device = configure_torch(config)
        self.run_dir = run_dir
        student = make_student_envs(config)
        self.env = student.env
        try:
            check_reading(self.teacher, student, config.env.sensors.history)
            if self.teacher.action_space != self.env.single_action_space:
                raise RlkitError(
                    f"the teacher acts in {self.teacher.action_space} and the student's env in "
                    f"{self.env.single_action_space}: they must be the same"
                )
            #: The student's run config: the given one with the rma agent.
            self.config = adapted_config(config, self.teacher.config, student.parameters)
            self.agent = build_agent(
                self.config, self.env.single_observation_space, self.env.single_action_space, self.device
            )
            parts = self.agent.deployable_policy().adaptation
            if parts is None:  # agent rma always has them: a registry entry replaced by another class
                raise RlkitError(f"agent '{self.config.agent.name}' has no adaptation module to train")
            # the base policy is the teacher's, weights and normalization included, and stays as it is
            parts.base.load_state_dict(self.teacher.restored.agent.deployable_policy().module.state_dict())
        except RlkitError:
            self.env.close()
            raise
        self.estimator = parts.estimator
        self.parameters = parts.parameters
        self.optimizer = torch.optim.Adam(self.estimator.parameters(), lr=config.distill.adaptation_lr)
        self.dataset = LabelledDataset(config.distill.dataset_size)
        # who acts (teacher or student) and the minibatch order
        self.rng = seeded_generator(config.train.seed, "distillation")

    def _tensor(self, values: Any) -> torch.Tensor:
        return torch.as_tensor(np.asarray(values), dtype=torch.float32, device=self.device)

    # ---------------------------------------------------------------------------------------- the loop

    def run(self) -> DistillOutcome:
        """Run every iteration, then write the final checkpoint."""
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
                squared_errors = torch.zeros(len(self.parameters), dtype=torch.float64, device=self.device)
                visited = 0
                for _ in range(max(1, distill.steps_per_iteration // num_envs)):
                    # float32, as the estimator reads them: half the memory of a float64 env's histories
                    readings = np.asarray(obs, dtype=np.float32)
                    parameters = np.asarray(infos["teacher_parameters"], dtype=np.float32)
                    history, truth = self._tensor(readings), self._tensor(parameters)
                    self.estimator.observe(history, truth)
                    self.dataset.add(readings, parameters)
                    # the error of the estimate the student acts on, before any fit to these steps
                    with torch.no_grad():
                        squared_errors += (self.estimator(history) - truth).double().square().sum(dim=0)
                    visited += num_envs
                    actions = self._actions(obs, infos, starts, beta)
                    obs, _, terminated, truncated, infos = self.env.step(actions)
                    starts = terminated | truncated
                    steps += num_envs
                errors = self._errors(squared_errors / visited)
                loss = self._fit()
                student_return = student_mean_return(self.agent.make_policy(deterministic=True), cfg)
                log.write(
                    {
                        "env_steps": steps,
                        "wall_time": round(time.perf_counter() - start, 3),
                        "distill/iteration": iteration + 1,
                        "distill/beta": beta,
                        "distill/dataset": self.dataset.size,
                        "adaptation/loss": loss,
                        **errors,
                        "teacher/return_mean": teacher_return,
                        "eval/return_mean": student_return,
                    }
                )
                checkpoint = self.save(steps, "final.pt" if iteration + 1 == distill.iterations else None)
        finally:
            log.close()
            self.env.close()
        return DistillOutcome(steps, checkpoint, time.perf_counter() - start, teacher_return, student_return)

    def _actions(self, obs: np.ndarray, infos: dict[str, Any], starts: np.ndarray, beta: float) -> np.ndarray:
        """This step's actions: the teacher's (on its own view) in the envs a draw below ``beta`` gives it,
        the student's in the others."""
        teacher_acts = self.rng.random(len(starts)) < beta
        if not teacher_acts.any():
            return self.agent.act(obs, deterministic=True)
        teacher_actions = self.teacher.policy(self.teacher.observation(infos), starts)
        if teacher_acts.all():
            return teacher_actions
        student_actions = self.agent.act(obs, deterministic=True)
        mask = teacher_acts.reshape(-1, *([1] * (student_actions.ndim - 1)))
        return np.where(mask, teacher_actions, student_actions)

    def _errors(self, mean_squared: torch.Tensor) -> dict[str, float]:
        """The metrics of the estimate's mean squared errors per parameter: each parameter's RMS error in its
        units (``adaptation/error/<name>``), and their RMS over the parameters in units of each one's std
        (``adaptation/relative_error``: 1 is no better than always guessing the mean)."""
        rms = mean_squared.sqrt()
        std = (self.estimator.targets.var + self.estimator.epsilon).sqrt()
        relative = float((mean_squared / std.square()).mean().sqrt())
        names = (f"adaptation/error/{name}" for name in self.parameters)
        return {"adaptation/relative_error": relative, **dict(zip(names, rms.tolist(), strict=True))}

    def _fit(self) -> float:
        """``distill.epochs`` passes over the dataset; the mean loss of the last pass."""
        distill = self.config.distill
        losses: list[torch.Tensor] = []
        for _ in range(distill.epochs):
            losses.clear()
            for obs, parameters in self.dataset.minibatches(distill.batch_size, self.rng):
                history, truth = self._tensor(obs), self._tensor(parameters)
                loss = F.mse_loss(self.estimator.standardized(history), self.estimator.standardize(truth))
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                losses.append(loss.detach())
            self.agent.gradient_steps_done += len(losses)
        return float(torch.stack(losses).mean())

    def save(self, steps: int, name: str | None = None) -> Path:
        """A checkpoint that ``rlkit eval`` and ``rlkit export`` read like a trained run's (``step_<N>.pt`` by
        default)."""
        return save_student(self.run_dir, self.config, self.agent.state_dict(), steps, name)
