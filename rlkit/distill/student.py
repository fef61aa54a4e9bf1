"""The student's side of ``rlkit distill``: its envs, which report the teacher's view of every step, and its
checkpoints, which ``rlkit eval`` and ``rlkit export`` read like a trained run's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import torch

from rlkit.config.loading import config_to_dict
from rlkit.config.schema import RunConfig
from rlkit.envs import make_env
from rlkit.envs.randomization import PhysicsRandomization
from rlkit.envs.sensors import channel_names
from rlkit.errors import RlkitError
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET, evaluate_policy
from rlkit.policy import Policy
from rlkit.rollout.in_process_vector_env import (
    IN_PROCESS_BACKENDS,
    InProcessVectorEnv,
    make_in_process_vector_env,
)
from rlkit.runs.checkpoint import prune_checkpoints, save_checkpoint
from rlkit.runs.model_files import portable_config


@dataclass(frozen=True)
class StudentEnvs:
    """The student's vector env and what its first env says about what it observes.

    Attributes:
        env: ``rollout.num_envs`` envs of the student's ``env`` section, each reporting the teacher's view
            (``info["teacher_state"]``, ``info["teacher_parameters"]``).
        channels: The names of its observation channels (None: not a flat Box observation).
        parameters: The names of the sampled physics reported as ``teacher_parameters``, in their order
            (empty: nothing is randomized).
    """

    env: InProcessVectorEnv
    channels: list[str] | None
    parameters: list[str]


def make_student_envs(config: RunConfig) -> StudentEnvs:
    """The student's envs, on ``rollout.backend`` where it is ``batched`` or ``auto`` (the batch reports each
    step's teacher view itself), else on ``sync`` (the other backends' envs live elsewhere).

    Raises:
        RlkitError: The student's env cannot be built (in one line).
    """
    backend = config.rollout.backend if config.rollout.backend in IN_PROCESS_BACKENDS else "sync"
    first = make_env(config.env, teacher_view=True)  # checked: a bad env fails here, in one line
    try:
        channels: list[str] | None = channel_names(first)
    except RlkitError:
        channels = None
    parameters = _sampled_names(first)  # read before the vector env takes (or closes) the first env
    env = make_in_process_vector_env(
        config.env, config.rollout.num_envs, backend, config.rollout, first=first, teacher_view=True
    )
    return StudentEnvs(env, channels, parameters)


def _sampled_names(env: gym.Env) -> list[str]:
    """The names of the physics ``env`` randomizes, in the order it reports them (empty: none)."""
    inner: gym.Env = env
    while isinstance(inner, gym.Wrapper):
        if isinstance(inner, PhysicsRandomization):
            return list(inner.sampled_names)
        inner = inner.env
    return []


def save_student(
    run_dir: Path, config: RunConfig, agent_state: dict[str, Any], steps: int, name: str | None = None
) -> Path:
    """A checkpoint of the student that ``rlkit eval`` reads like a trained run's (``step_<N>.pt`` by
    default), the oldest ``step_*`` ones pruned to ``train.keep_checkpoints``."""
    directory = run_dir / "checkpoints"
    path = save_checkpoint(
        directory,
        name or f"step_{steps}.pt",
        {
            "config": portable_config(config_to_dict(config), run_dir),
            "agent": agent_state,
            "trainer": {"env_steps": steps},
            "env_steps": steps,
            "torch_rng": torch.get_rng_state(),
        },
    )
    prune_checkpoints(directory, config.train.keep_checkpoints)
    return path


def student_mean_return(policy: Policy, config: RunConfig) -> float:
    """The student's mean return alone in its env (``policy``: its deterministic policy), on the evaluation's
    episodes, as ``rlkit eval`` would score it."""
    seed = config.train.seed + EVAL_SEED_OFFSET
    return float(evaluate_policy(policy, config.env, config.eval.episodes, seed).summary()["mean_return"])
