"""The per-env observation history (``env.sensors.history``): the array effect on a batch of one."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.history import ObservationHistory, history_names, history_space
from rlkit.envs.sensors.channels import channel_names
from rlkit.errors import RlkitError

__all__ = ["ObservationHistoryWrapper"]


class ObservationHistoryWrapper(
    gym.Wrapper[np.ndarray, Any, np.ndarray, Any], gym.utils.RecordConstructorArgs
):
    """Observes the last ``length`` readings of ``env`` side by side, oldest first; an episode starts with
    its reset reading repeated. Its channels are named ``name@-k`` for a reading ``k`` steps old.

    Args:
        env: An env with a flat ``Box`` observation.
        length: Readings observed at once, >= 1.

    Raises:
        RlkitError: The observation is not a flat ``Box``.
    """

    def __init__(self, env: gym.Env[np.ndarray, Any], length: int) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, length=length)
        gym.Wrapper.__init__(self, env)
        space = env.observation_space
        if not (isinstance(space, Box) and len(space.shape) == 1):
            raise RlkitError(f"env.sensors.history needs a flat Box observation, this env has {space}")
        self.history = ObservationHistory(1, length)
        self.observation_space = history_space(space, length)
        self.observation_names = history_names(channel_names(env), length)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the env; the history holds its first reading ``length`` times."""
        observation, info = self.env.reset(seed=seed, options=options)
        return self.history.reset(np.asarray(observation)[None])[0], info

    def step(self, action: Any) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env; the history gains its reading and loses its oldest."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        return self.history(np.asarray(observation)[None])[0], reward, terminated, truncated, info
