"""Each action held for several env steps."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.core import ActType, ObsType

from rlkit.sim.random_stream import RandomStream


class ActionRepeat(gym.Wrapper[ObsType, ActType, ObsType, ActType], gym.utils.RecordConstructorArgs):
    """Applies every action ``repeat`` times to the env and returns the summed reward.

    The repetition stops early when the env terminates or truncates; the last observation, flags and info
    are returned. Any action space works. Put this wrapper innermost among the sim2real effects, so that
    the others count control steps (one per policy action), not env steps.

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
        if isinstance(repeat, bool) or not isinstance(repeat, (int, np.integer)) or repeat < 1:
            raise ValueError(f"repeat must be an integer >= 1, got {repeat!r}")
        self.repeat = int(repeat)
        self._stream = RandomStream(stream)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset the env; ``seed`` also re-seeds the effect's stream."""
        self._stream.reseed(seed)
        return self.env.reset(seed=seed, options=options)

    def step(self, action: ActType) -> tuple[ObsType, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env up to ``repeat`` times with ``action``, summing the rewards."""
        total = 0.0
        for _ in range(self.repeat):
            observation, reward, terminated, truncated, info = self.env.step(action)
            total += float(reward)
            if terminated or truncated:
                break
        return observation, total, terminated, truncated, info
