"""The Ray actor behind the ``ray`` rollout backend: a slice of the envs, stepped in one worker process.

The worker either steps its envs with the actions the learner sends (``rollout.inference: learner``, one
call per step) or acts itself with a CPU copy of the agent (``worker``): :meth:`RolloutWorker.collect` takes
the learner's weights and returns a whole :class:`Fragment` of steps in one call.

:class:`RolloutWorker` is a plain class; :class:`~rlkit.rollout.ray_vector_env.RayVectorEnv` turns it into
an actor with ``ray.remote``. Ray pickles it by reference, so every node of a cluster needs rlkit (and the
env's package) importable in the same Python environment as the learner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlkit.agents.base import StepResult
from rlkit.buffers.batches import Batch, concatenate, stack, take
from rlkit.config.schema import EnvConfig, RolloutConfig, RunConfig
from rlkit.rollout.autoreset import final_observations
from rlkit.rollout.in_process_vector_env import backend_name, make_in_process_vector_env
from rlkit.runs.build import build_agent

#: Replay capacity of a worker's acting copy of a replay agent: it never learns, only acts and records.
ACTING_COPY_BUFFER_SIZE = 256


@dataclass(frozen=True)
class Fragment:
    """``T`` consecutive steps of a worker's ``E`` envs, acted by its copy of the agent.

    Attributes:
        obs: (T + 1, E, ...) the observation before each step, then the one after the last step.
        actions: (T, E, ...) the copy's :meth:`~rlkit.agents.base.Agent.explored_actions`.
        rewards: (T, E) rewards.
        terminated: (T, E) bool.
        truncated: (T, E) bool.
        final_steps: (K,) the step of each episode that ended in the fragment,
        final_envs: (K,) and its env,
        final_obs: (K, ...) and its last observation (``obs[t + 1]`` holds the next episode's first).
    """

    obs: Batch
    actions: np.ndarray
    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    final_steps: np.ndarray
    final_envs: np.ndarray
    final_obs: Batch | None

    def next_obs(self, step: int) -> Batch:
        """(E, ...) the observation after ``step``, with the final observation of an episode it ended."""
        next_obs = take(self.obs, step + 1)
        ended = np.flatnonzero(self.final_steps == step)
        if len(ended) == 0:
            return next_obs
        return _replace_rows(next_obs, self.final_envs[ended], take(self.final_obs, ended))

    @classmethod
    def join(cls, fragments: list[Fragment]) -> Fragment:
        """The workers' fragments of the same steps as one, their envs side by side in worker order."""
        offsets = np.cumsum([0] + [len(fragment.rewards[0]) for fragment in fragments[:-1]])
        finals = [fragment.final_obs for fragment in fragments if fragment.final_obs is not None]
        return cls(
            obs=concatenate([fragment.obs for fragment in fragments], axis=1),
            actions=np.concatenate([fragment.actions for fragment in fragments], axis=1),
            rewards=np.concatenate([fragment.rewards for fragment in fragments], axis=1),
            terminated=np.concatenate([fragment.terminated for fragment in fragments], axis=1),
            truncated=np.concatenate([fragment.truncated for fragment in fragments], axis=1),
            final_steps=np.concatenate([fragment.final_steps for fragment in fragments]),
            final_envs=np.concatenate(
                [fragment.final_envs + offset for fragment, offset in zip(fragments, offsets, strict=True)]
            ),
            final_obs=concatenate(finals) if finals else None,
        )


def _replace_rows(batch: Batch, rows: np.ndarray, values: Batch) -> Batch:
    if isinstance(batch, dict):
        return {key: _replace_rows(batch[key], rows, values[key]) for key in batch}
    if isinstance(batch, tuple):
        return tuple(_replace_rows(part, rows, value) for part, value in zip(batch, values, strict=True))
    batch = batch.copy()
    batch[rows] = values
    return batch


class RolloutWorker:
    """Owns a vector env (``SAME_STEP`` autoreset) of ``num_envs`` envs built from ``env_config``, on the
    in-process backend ``rollout.worker_backend`` names: a ``SyncVectorEnv``, or one batch of sims stepped on
    ``rollout.threads`` threads (None: 1), the same results to the bit.

    Every method is one remote call, and returns numpy arrays (which Ray hands back without copying them
    through pickle).

    Args:
        env_config: The ``env`` section.
        num_envs: Envs this worker steps.
        render_mode: Passed to every env.
        rollout: The ``rollout`` section, for ``worker_backend`` and ``threads`` (None: ``sync``).
    """

    def __init__(
        self,
        env_config: EnvConfig,
        num_envs: int,
        render_mode: str | None = None,
        rollout: RolloutConfig | None = None,
    ) -> None:
        backend = "sync" if rollout is None else rollout.worker_backend
        if rollout is not None:  # the worker's batch runs on the CPUs it reserved, not on all of its node's
            rollout = rollout.model_copy(update={"threads": rollout.threads or 1})
        # The learner already built (and checked) one env; the checker's wrapper would only cost time here.
        self.env = make_in_process_vector_env(env_config, num_envs, backend, rollout, render_mode)
        self.obs: Batch | None = None  # the latest observations, where collect() goes on from
        self.agent: Any = None  # the acting copy, once attach_agent() built it

    def describe(self) -> dict[str, Any]:
        """What the learner needs to present the same vector env: spaces, metadata, render mode, spec; and
        the backend the worker's envs step on (``sync`` or ``batched``)."""
        env = self.env
        return {
            "observation_space": env.single_observation_space,
            "action_space": env.single_action_space,
            "metadata": env.metadata,
            "render_mode": env.render_mode,
            "spec": env.envs[0].spec if isinstance(env, gym.vector.SyncVectorEnv) else env.spec,
            "backend": backend_name(env),
        }

    def node_id(self) -> str:
        """The id of the Ray node this worker runs on."""
        import ray  # optional dependency; this runs only in a Ray worker process, where it is installed

        return ray.get_runtime_context().get_node_id()

    def reset(self, seeds: list[int | None], options: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
        """Reset every env (or those in ``options["reset_mask"]``), env ``i`` with ``seeds[i]``."""
        self.obs, infos = self.env.reset(seed=seeds, options=options)
        if self.agent is not None:
            self.agent.envs_reset(None if options is None else options.get("reset_mask"))
        return self.obs, infos

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """One step of every env, with ``SAME_STEP`` autoreset."""
        result = self.env.step(actions)
        self.obs = result[0]
        return result

    def attach_agent(self, config: RunConfig, seed: int) -> None:
        """Build the copy of the agent this worker acts with: ``config``'s agent, on the CPU, for this
        worker's envs, its random streams seeded from ``seed``, with a small replay it never learns from."""
        torch.set_num_threads(1)  # one core per worker: the policy is small next to the envs it steps
        agent_config = config.agent
        if "buffer_size" in type(agent_config).model_fields:
            agent_config = agent_config.model_copy(update={"buffer_size": ACTING_COPY_BUFFER_SIZE})
        copy = config.model_copy(
            update={
                "agent": agent_config,
                "rollout": config.rollout.model_copy(update={"num_envs": self.env.num_envs}),
                "train": config.train.model_copy(update={"seed": seed, "device": "cpu"}),
            }
        )
        self.agent = build_agent(
            copy, self.env.single_observation_space, self.env.single_action_space, torch.device("cpu")
        )
        self.agent.envs_reset()

    def collect(self, acting_state: dict[str, Any], env_steps: int, stride: int, steps: int) -> Fragment:
        """Act ``steps`` vector steps with the agent copy, from the latest observations.

        Args:
            acting_state: The learner's :meth:`~rlkit.agents.base.Agent.acting_state` to act with.
            env_steps: The learner's env-step count at the fragment's first step (exploration schedules).
            stride: Env steps per vector step summed over every worker (the learner's ``num_envs``).
            steps: Vector steps to collect.
        """
        agent = self.agent
        agent.load_acting_state(acting_state)
        observations, actions, rewards, terminated, truncated = [self.obs], [], [], [], []
        final_steps: list[int] = []
        final_envs: list[int] = []
        finals: list[Batch] = []
        for t in range(steps):
            env_actions = agent.explore(self.obs, env_steps + t * stride)
            actions.append(agent.explored_actions())
            self.obs, reward, term, trunc, infos = self.env.step(env_actions)
            dones = term | trunc
            next_obs = final_observations(self.obs, infos, dones)
            agent.record(StepResult(reward, term, trunc, next_obs))
            for env in np.flatnonzero(dones):
                final_steps.append(t)
                final_envs.append(int(env))
                finals.append(take(next_obs, env))
            observations.append(self.obs)
            rewards.append(reward)
            terminated.append(term)
            truncated.append(trunc)
        agent.discard_experience()
        return Fragment(
            obs=stack(observations),
            actions=np.stack(actions),
            rewards=np.stack(rewards),
            terminated=np.stack(terminated),
            truncated=np.stack(truncated),
            final_steps=np.asarray(final_steps, dtype=np.int64),
            final_envs=np.asarray(final_envs, dtype=np.int64),
            final_obs=stack(finals) if finals else None,
        )

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """``name(*args, **kwargs)`` on every env (or the attribute ``name``), one result per env."""
        return self.env.call(name, *args, **kwargs)

    def set_attr(self, name: str, values: list[Any]) -> None:
        """Set attribute ``name`` of env ``i`` to ``values[i]``."""
        self.env.set_attr(name, values)

    def close(self) -> None:
        """Close the envs (renderers, simulators) before the actor is killed."""
        self.env.close()
