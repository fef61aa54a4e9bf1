"""Where the training loop's experience comes from, one vector step at a time.

The loop asks a collector for the next step; the collector has the agent act, the envs step, and the agent
record the outcome:

* :class:`LearnerActing`: the learner's agent chooses every step's actions in one batched call, and the vector
  env (any backend) steps them.
* :class:`WorkerActing` (``rollout.backend: ray`` with ``rollout.inference: worker``): every Ray worker acts
  with its own CPU copy of the agent and sends whole fragments of steps; the learner replays each step
  through its agent with the worker's actions. On-policy agents send their weights before every rollout (a
  fragment is one rollout, so every step is acted by the current policy); replay agents stream: the next
  fragment is asked for as soon as one arrives, so the workers collect while the learner updates, one
  fragment behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.agents.base import Agent, StepResult
from rlkit.buffers.batches import Batch, take
from rlkit.config.schema import RunConfig
from rlkit.errors import RlkitError
from rlkit.rollout.ray_vector_env import RayVectorEnv
from rlkit.rollout.ray_worker import Fragment
from rlkit.rollout.vector_env import final_observations


@dataclass(frozen=True)
class CollectedStep:
    """One vector step, as the loop's statistics need it.

    Attributes:
        rewards: (num_envs,) rewards.
        terminated: (num_envs,) bool.
        truncated: (num_envs,) bool.
        cut: (num_envs,) bool or None: episodes that ended because their worker was lost, not in the env;
            they are left out of the episode statistics.
        restarted: (num_envs,) bool or None: envs whose worker was replaced before this step; their
            episodes in flight were lost with it, and this step is the first of a new episode.
        observations: The observations this step delivered (arrays or dicts of arrays), for the loop's
            check that an env's values are finite.
        infos: The vector env's infos of the step (the learner's own envs only), for what the loop reads
            from them (self-play's finished matches).
    """

    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    cut: np.ndarray | None = None
    restarted: np.ndarray | None = None
    observations: tuple[Any, ...] = ()
    infos: dict[str, Any] | None = None


class LearnerActing:
    """The learner's agent acts for every env, one batched call per step; the vector env steps the actions.

    Args:
        env: The vector env (any backend).
        agent: The learning agent.
    """

    def __init__(self, env: gym.vector.VectorEnv, agent: Agent) -> None:
        self.env = env
        self.agent = agent
        self.obs: Batch | None = None

    def reset(self, seeds: list[int | None]) -> None:
        """Start an episode in every env, env ``i`` from ``seeds[i]`` (None: unseeded)."""
        # every backend takes one seed per env, though VectorEnv's annotation says a single int
        self.obs, _ = self.env.reset(seed=seeds)  # type: ignore[arg-type]
        self.agent.envs_reset()

    def step(self, env_steps: int) -> CollectedStep:
        """Act, step every env, record.

        Raises:
            RuntimeError: :meth:`reset` was not called first: there are no observations to act on.
        """
        if self.obs is None:
            raise RuntimeError("LearnerActing.step before reset: the envs have no observations to act on")
        actions = self.agent.explore(self.obs, env_steps)
        next_obs, rewards, terminated, truncated, infos = self.env.step(actions)
        dones = terminated | truncated
        real_next_obs = final_observations(next_obs, infos, dones)
        self.agent.record(StepResult(rewards, terminated, truncated, real_next_obs))
        self.obs = next_obs
        cut = infos["_worker_restarted"] & dones if "_worker_restarted" in infos else None
        seen = (next_obs,) if real_next_obs is next_obs else (next_obs, real_next_obs)
        return CollectedStep(rewards, terminated, truncated, cut=cut, observations=seen, infos=infos)


class WorkerActing:
    """Ray workers act with copies of the agent; the learner replays their fragments step by step.

    Args:
        env: A :class:`~rlkit.rollout.ray_vector_env.RayVectorEnv`.
        agent: The learning agent (its class supports ``remote_acting``).
        config: The run config, from which every worker builds its copy of the agent.
    """

    def __init__(self, env: RayVectorEnv, agent: Agent, config: RunConfig) -> None:
        self.env = env
        self.agent = agent
        env.attach_agent(config)
        on_policy_length = agent.rollout_length
        self.length = on_policy_length or config.rollout.fragment_steps
        self.streaming = on_policy_length is None
        self._fragment: Fragment | None = None
        self._next_step = 0
        self._requested = False

    def reset(self, seeds: list[int | None]) -> None:
        """Start an episode in every env, env ``i`` from ``seeds[i]`` (None: unseeded)."""
        self.env.reset(seed=seeds)  # the workers keep the observations: they act on them
        self.agent.envs_reset()
        self._fragment, self._next_step, self._requested = None, 0, False

    def step(self, env_steps: int) -> CollectedStep:
        """The next step of the current fragment, replayed through the learner's agent."""
        restarted = None
        if self._fragment is None or self._next_step == self.length:
            if not self._requested:
                self.env.request_fragments(self.agent.acting_state(), env_steps, self.length)
            self._fragment, restarted = self.env.fragments()
            self._next_step = 0
            if self.streaming:  # the workers go on with the next fragment while this one is learned from
                next_start = env_steps + self.length * self.env.num_envs
                self.env.request_fragments(self.agent.acting_state(), next_start, self.length)
            self._requested = self.streaming
            if restarted.any():
                self.agent.envs_reset(restarted)
            else:
                restarted = None
        fragment, t = self._fragment, self._next_step
        self._next_step += 1
        self.agent.explore(take(fragment.obs, t), env_steps, actions=fragment.actions[t])
        rewards, terminated, truncated = fragment.rewards[t], fragment.terminated[t], fragment.truncated[t]
        next_obs = fragment.next_obs(t)
        self.agent.record(StepResult(rewards, terminated, truncated, next_obs))
        return CollectedStep(rewards, terminated, truncated, restarted=restarted, observations=(next_obs,))


def first_non_finite(step: CollectedStep) -> tuple[str, int, float] | None:
    """The first reward or observation of ``step`` that is NaN or infinite, as (what, env index, value).

    Cheap enough for every step (a few microseconds for small observations): only floating-point arrays are
    checked, each with one vectorized pass.
    """
    if not np.isfinite(step.rewards).all():
        index = int(np.flatnonzero(~np.isfinite(step.rewards))[0])
        return "reward", index, float(step.rewards[index])
    for observations in step.observations:
        parts = observations.values() if isinstance(observations, dict) else (observations,)
        for part in parts:
            part = np.asarray(part)
            if part.dtype.kind == "f" and not np.isfinite(part).all():
                bad = ~np.isfinite(part.reshape(len(part), -1))
                index = int(np.flatnonzero(bad.any(axis=1))[0])
                return "observation", index, float(part.reshape(len(part), -1)[index][bad[index]][0])
    return None


def make_collector(
    env: gym.vector.VectorEnv, agent: Agent, config: RunConfig
) -> LearnerActing | WorkerActing:
    """The collector ``rollout.backend`` and ``rollout.inference`` ask for.

    Raises:
        RlkitError: ``rollout.inference`` is ``worker`` and the agent cannot act on rollout workers.
    """
    rollout = config.rollout
    if not isinstance(env, RayVectorEnv) or rollout.inference == "learner":  # only Ray workers can act
        return LearnerActing(env, agent)
    if not agent.remote_acting:
        if rollout.inference == "worker":
            raise RlkitError(
                f"rollout.inference 'worker': agent '{config.agent.name}' cannot act on rollout workers "
                "(use rollout.inference=learner)"
            )
        return LearnerActing(env, agent)
    return WorkerActing(env, agent, config)
