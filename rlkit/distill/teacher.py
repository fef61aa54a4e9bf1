"""The teacher of ``rlkit distill``: a trained run restored, what it observes, and its view of each step of
the student's env."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.config.schema import RunConfig
from rlkit.envs import make_env
from rlkit.envs.randomization import PrivilegedObservation
from rlkit.envs.sensors import channel_names
from rlkit.errors import RlkitError
from rlkit.evaluate.evaluator import evaluate_policy
from rlkit.evaluate.restore import RestoredAgent, restore_agent
from rlkit.policy import Policy


@dataclass(frozen=True)
class Teacher:
    """A trained teacher run, rebuilt from its checkpoint.

    Attributes:
        restored: Its agent and config, as the checkpoint rebuilt them.
        policy: Its deterministic policy.
        observation_space: What it observes in its own env.
        action_space: What it acts in.
        channels: Its observation channels by name (``env.randomization.observe_parameters``: the robot's,
            then the sampled physics by parameter, ``body_mass/pole``); None for an observation that is not
            a flat Box.
    """

    restored: RestoredAgent
    policy: Policy
    observation_space: gym.Space[Any]
    action_space: gym.Space[Any]
    channels: list[str] | None

    @classmethod
    def restore(cls, target: str | Path) -> Teacher:
        """The teacher in a run directory or checkpoint.

        Raises:
            RlkitError: A missing or corrupt checkpoint, or an env that cannot be built here.
        """
        restored = restore_agent(target)
        env = make_env(restored.config.env, check=False)
        try:
            return cls(
                restored,
                restored.agent.make_policy(deterministic=True),
                env.observation_space,
                env.action_space,
                _channels(env),
            )
        finally:
            env.close()

    @property
    def config(self) -> RunConfig:
        """The teacher's run config."""
        return self.restored.config

    def observation(self, infos: dict[str, Any]) -> Any:
        """The teacher's observations of the current step, assembled from the student's env ``infos``."""
        state = np.asarray(infos["teacher_state"], dtype=np.float32)
        parameters = infos.get("teacher_parameters")
        space = self.observation_space
        if isinstance(space, gym.spaces.Dict) and set(space.spaces) == {"policy", "privileged"}:
            if parameters is None:
                raise RlkitError(
                    "the teacher observes the sampled physics: the student's env must randomize it"
                )
            return {"policy": state, "privileged": np.asarray(parameters, dtype=np.float32)}
        width = int(np.prod(space.shape)) if isinstance(space, gym.spaces.Box) else -1
        if width == state.shape[1]:
            return state
        if parameters is not None and width == state.shape[1] + np.asarray(parameters).shape[1]:
            return np.concatenate([state, np.asarray(parameters, dtype=np.float32)], axis=1)
        raise RlkitError(
            f"the teacher observes {space}, but the student's env offers a state of {state.shape[1]} values"
            + ("" if parameters is None else f" and {np.asarray(parameters).shape[1]} physics parameters")
            + ": teacher and student must share env.id, env.task and env.randomization.parameters"
        )

    def mean_return(self, episodes: int, seed: int) -> float:
        """The teacher's mean return in its own env over ``episodes`` episodes from ``seed`` on."""
        return float(evaluate_policy(self.policy, self.config.env, episodes, seed).summary()["mean_return"])


def _channels(env: gym.Env) -> list[str] | None:
    """The names of ``env``'s observation channels, the appended samples of ``observe_parameters`` named by
    their parameter; None where the observation is not a flat Box."""
    inner: gym.Env = env
    while isinstance(inner, gym.Wrapper) and not isinstance(inner, PrivilegedObservation):
        inner = inner.env
    try:
        if isinstance(inner, PrivilegedObservation) and inner.append:
            return [*channel_names(inner.env), *inner.source.sampled_names]
        return channel_names(env)
    except RlkitError:
        return None
