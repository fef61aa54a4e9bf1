"""A discretized action space, so value-based agents (DQN) can drive continuous-action tasks."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from rlkit.errors import RlkitError

MAX_ACTIONS = 4096


class DiscreteActions(gym.ActionWrapper, gym.utils.RecordConstructorArgs):
    """Replace a bounded 1-D Box action space by ``Discrete(levels ** dims)``.

    Each dimension takes ``levels`` evenly spaced values from its low to its high bound (both included);
    action ``i`` is the combination whose per-dimension level indices are ``np.unravel_index(i)``, so with
    an odd ``levels`` the centre of the range is always available.

    Args:
        env: An env with a bounded 1-D Box action space.
        levels: Values per dimension, at least 2.

    Raises:
        RlkitError: The action space is not a bounded 1-D Box, or ``levels ** dims`` exceeds 4096.
    """

    def __init__(self, env: gym.Env, levels: int) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, levels=levels)
        gym.ActionWrapper.__init__(self, env)
        space = env.action_space
        if not (
            isinstance(space, gym.spaces.Box)
            and len(space.shape) == 1
            and np.all(np.isfinite(space.low))
            and np.all(np.isfinite(space.high))
        ):
            raise RlkitError(
                f"env.discrete_actions needs a bounded 1-D Box action space; the env's is {space}"
            )
        if levels < 2:
            raise RlkitError(f"env.discrete_actions={levels} must be at least 2")
        dims = space.shape[0]
        if levels**dims > MAX_ACTIONS:
            raise RlkitError(
                f"env.discrete_actions={levels} gives {levels}**{dims} = {levels**dims} actions "
                f"(at most {MAX_ACTIONS}); use fewer levels"
            )
        self.levels = levels
        self._values = np.linspace(space.low, space.high, levels, dtype=space.dtype)  # (levels, dims)
        self._shape = (levels,) * dims
        self._columns = np.arange(dims)
        self.action_space = gym.spaces.Discrete(levels**dims)

    def action(self, action: int | np.integer) -> np.ndarray:
        """The continuous action for discrete action ``action``."""
        index = np.unravel_index(int(action), self._shape)
        return self._values[np.asarray(index), self._columns]
