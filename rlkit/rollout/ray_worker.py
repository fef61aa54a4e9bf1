"""The Ray actor behind the ``ray`` rollout backend: a slice of the envs, stepped in one worker process.

:class:`RolloutWorker` is a plain class; :class:`~rlkit.rollout.ray_vector_env.RayVectorEnv` turns it into
an actor with ``ray.remote``. Ray pickles it by reference, so every node of a cluster needs rlkit (and the
env's package) importable in the same Python environment as the learner.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from rlkit.config.schema import EnvConfig


class RolloutWorker:
    """Owns a ``SyncVectorEnv`` (``SAME_STEP`` autoreset) of ``num_envs`` envs built from ``env_config``.

    Every method is one remote call, and returns numpy arrays (which Ray hands back without copying them
    through pickle).

    Args:
        env_config: The ``env`` section.
        num_envs: Envs this worker steps.
        render_mode: Passed to every env.
    """

    def __init__(self, env_config: EnvConfig, num_envs: int, render_mode: str | None = None) -> None:
        from envs import make_env  # imported in the worker process, where it registers rlkit's tasks

        # The learner already built (and checked) one env; the checker's wrapper would only cost time here.
        makers = [lambda: make_env(env_config, render_mode=render_mode, check=False)] * num_envs
        self.env = gym.vector.SyncVectorEnv(makers, autoreset_mode=AutoresetMode.SAME_STEP)

    def describe(self) -> dict[str, Any]:
        """What the learner needs to present the same vector env: spaces, metadata, render mode, spec."""
        return {
            "observation_space": self.env.single_observation_space,
            "action_space": self.env.single_action_space,
            "metadata": self.env.metadata,
            "render_mode": self.env.render_mode,
            "spec": self.env.envs[0].spec,
        }

    def node_id(self) -> str:
        """The id of the Ray node this worker runs on."""
        import ray

        return ray.get_runtime_context().get_node_id()

    def reset(self, seeds: list[int | None], options: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
        """Reset every env (or those in ``options["reset_mask"]``), env ``i`` with ``seeds[i]``."""
        return self.env.reset(seed=seeds, options=options)

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """One step of every env, with ``SAME_STEP`` autoreset."""
        return self.env.step(actions)

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """``name(*args, **kwargs)`` on every env (or the attribute ``name``), one result per env."""
        return self.env.call(name, *args, **kwargs)

    def set_attr(self, name: str, values: list[Any]) -> None:
        """Set attribute ``name`` of env ``i`` to ``values[i]``."""
        self.env.set_attr(name, values)

    def close(self) -> None:
        """Close the envs (renderers, simulators) before the actor is killed."""
        self.env.close()
