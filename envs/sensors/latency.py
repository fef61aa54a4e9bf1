"""Observation latency: the agent sees the env as it was some control steps ago.

Also the checks and the per-episode draw of a delay, shared with :class:`rlkit.envs.actuators.ActionDelay`.
"""

from __future__ import annotations

import copy
from collections import deque
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.core import ActType, ObsType

from rlkit.sim.random_stream import RandomStream


def delay_range(min_delay: int, max_delay: int) -> tuple[int, int]:
    """Check a delay range in control steps.

    Raises:
        ValueError: A bound is not an integer >= 0, or ``min_delay > max_delay``.
    """
    for argument, value in (("min_delay", min_delay), ("max_delay", max_delay)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{argument} must be an integer >= 0, got {value!r}")
    if min_delay > max_delay:
        raise ValueError(f"min_delay ({min_delay}) must not exceed max_delay ({max_delay})")
    return int(min_delay), int(max_delay)


def draw_delay(stream: RandomStream, min_delay: int, max_delay: int) -> int:
    """One episode's delay: ``min_delay`` when the range is one value, else uniform over [min, max]."""
    if min_delay == max_delay:
        return min_delay
    return int(stream.generator.integers(min_delay, max_delay + 1))


class ObservationDelay(gym.Wrapper[ObsType, ActType, ObsType, ActType], gym.utils.RecordConstructorArgs):
    """Returns the observation from exactly ``k`` control steps earlier.

    ``k`` is ``min_delay`` when ``min_delay == max_delay``, else drawn at every reset, uniform over
    [``min_delay``, ``max_delay``]. After ``t`` steps the agent sees the observation of step
    ``max(t - k, 0)``: until ``k`` steps have passed, it sees the reset observation, the oldest one there is.
    The delay of the episode is reported as ``info["observation_delay"]`` by ``reset`` and ``step``.

    The whole observation is delayed, whatever its space. Rewards, terminations and infos are not.

    Args:
        env: The env whose observations are delayed.
        min_delay: Smallest delay in control steps, >= 0.
        max_delay: Largest delay in control steps, >= ``min_delay``.
        stream: Name of the effect's random stream (distinct when the effect appears twice).

    Raises:
        ValueError: A delay is not an integer >= 0, or ``min_delay > max_delay``.
    """

    def __init__(
        self, env: gym.Env[ObsType, ActType], min_delay: int, max_delay: int, stream: str = "ObservationDelay"
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self, min_delay=min_delay, max_delay=max_delay, stream=stream
        )
        gym.Wrapper.__init__(self, env)
        self.min_delay, self.max_delay = delay_range(min_delay, max_delay)
        self.delay = self.min_delay
        self._stream = RandomStream(stream)
        self._history: deque[ObsType] = deque(maxlen=self.delay + 1)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset the env, clear the history and draw the episode's delay."""
        self._stream.reseed(seed)
        self.delay = draw_delay(self._stream, self.min_delay, self.max_delay)
        self._history = deque(maxlen=self.delay + 1)
        observation, info = self.env.reset(seed=seed, options=options)
        info["observation_delay"] = self.delay
        return self._delayed(observation), info

    def step(self, action: ActType) -> tuple[ObsType, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env; return the observation from ``delay`` steps earlier."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        info["observation_delay"] = self.delay
        return self._delayed(observation), reward, terminated, truncated, info

    def _delayed(self, observation: ObsType) -> ObsType:
        # A copy in: the inner env may reuse its array. A copy out only while the history is not full: then
        # the oldest observation is returned again at the next step (the reset observation, at the start of
        # an episode). Once the history is full, the returned observation leaves it at the next step, so the
        # caller may have it.
        history = self._history
        history.append(_copy(observation))
        oldest = history[0]
        return oldest if len(history) == history.maxlen else _copy(oldest)


def _copy(observation: ObsType) -> ObsType:
    """A deep copy; an array's own ``copy`` is that, at a fraction of ``copy.deepcopy``'s cost."""
    # isinstance narrows the type for the checker; only an exact ndarray takes the fast path, as before.
    if (
        isinstance(observation, np.ndarray)
        and type(observation) is np.ndarray
        and observation.dtype != object
    ):
        return observation.copy()
    return copy.deepcopy(observation)
