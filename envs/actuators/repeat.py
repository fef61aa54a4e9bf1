"""Each action held for several env steps."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.core import ActType, ObsType

from rlkit.envs.effects.repeat import RepeatedSteps
from rlkit.sim.random_stream import RandomStream

_ONE_ENV = np.zeros(1, dtype=np.int64)


class ActionRepeat(gym.Wrapper[ObsType, ActType, ObsType, ActType], gym.utils.RecordConstructorArgs):
    """Applies every action ``repeat`` times to the env and returns the summed reward.

    The repetition stops early when the env terminates or truncates; the last observation, flags and info
    are returned. Any action space works. Put this wrapper innermost among the sim2real effects, so that
    the others count control steps (one per policy action), not env steps. The bookkeeping is
    :class:`~rlkit.envs.effects.repeat.RepeatedSteps` on a batch of one, as the ``batched`` backend's.

    Args:
        env: The env stepped several times per action.
        repeat: Env steps per action, >= 1.
        stream: Name of the effect's random stream; this effect draws no random numbers, the argument only
            lets every effect be named alike.

    Raises:
        ValueError: ``repeat`` is not an integer >= 1.
    """

    def __init__(self, env: gym.Env[ObsType, ActType], repeat: int, stream: str = "ActionRepeat") -> None:
        gym.utils.RecordConstructorArgs.__init__(self, repeat=repeat, stream=stream)
        gym.Wrapper.__init__(self, env)
        self.steps = RepeatedSteps(repeat)
        self.repeat = self.steps.repeat
        self._stream = RandomStream(stream)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset the env; ``seed`` also re-seeds the effect's stream."""
        self._stream.reseed(seed)
        return self.env.reset(seed=seed, options=options)

    def step(self, action: ActType) -> tuple[ObsType, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env up to ``repeat`` times with ``action``, summing the rewards."""
        steps = self.steps
        steps.start(1)
        while steps.stepping() is not None:
            observation, reward, terminated, truncated, info = self.env.step(action)
            steps.record(_ONE_ENV, np.array([float(reward)]), np.array([terminated or truncated]))
        return observation, float(steps.totals[0]), terminated, truncated, info
