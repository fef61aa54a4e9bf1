"""Observation latency: the agent sees the env as it was some control steps ago.

Also the checks and the per-episode draw of a delay (:func:`delay_range`, :func:`draw_delay`, from
:mod:`rlkit.envs.effects.delays`), shared with :class:`rlkit.envs.actuators.ActionDelay`.
"""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.core import ActType, ObsType

from rlkit.envs.effects.delays import EpisodeDelays, delay_range, draw_delay
from rlkit.envs.effects.latency import DelayLine
from rlkit.envs.effects.streams import EVERY_ENV, EnvStreams

__all__ = ["ObservationDelay", "delay_range", "draw_delay"]


class ObservationDelay(gym.Wrapper[ObsType, ActType, ObsType, ActType], gym.utils.RecordConstructorArgs):
    """Returns the observation from exactly ``k`` control steps earlier.

    ``k`` is ``min_delay`` when ``min_delay == max_delay``, else drawn at every reset, uniform over
    [``min_delay``, ``max_delay``]. After ``t`` steps the agent sees the observation of step
    ``max(t - k, 0)``: until ``k`` steps have passed, it sees the reset observation, the oldest one there is.
    The delay of the episode is reported as ``info["observation_delay"]`` by ``reset`` and ``step``.

    The whole observation is delayed, whatever its space: each array of it (each entry of a dict or tuple)
    through its own :class:`~rlkit.envs.effects.latency.DelayLine` on a batch of one, all with the episode's
    one delay. Rewards, terminations and infos are not.

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
        self.delays = EpisodeDelays(EnvStreams(stream, 1), min_delay, max_delay)
        self.min_delay, self.max_delay = self.delays.min_delay, self.delays.max_delay
        # keyed by the array's path in the observation as a string ("" the whole, "pixels", "1"...): the env
        # state a checkpoint keeps stores dicts with string keys only
        self._lines: dict[str, DelayLine] = {}
        # One line per array of the observation space, built now, not at the first reset: a checkpoint's
        # env state is written into the objects a fresh env already has.
        for path in _array_paths(env.observation_space, ""):
            self._lines[path] = DelayLine(self.delays)
        self._delay = self.min_delay

    @property
    def delay(self) -> int:
        """This episode's delay in control steps."""
        return int(self.delays.delays[0])

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset the env, clear the history and draw the episode's delay."""
        self.delays.draw(EVERY_ENV, [seed])
        observation, info = self.env.reset(seed=seed, options=options)
        self._delay = self.delay  # looked up once per episode
        info["observation_delay"] = self._delay
        return self._delayed(observation, "", start=True), info

    def step(self, action: ActType) -> tuple[ObsType, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env; return the observation from ``delay`` steps earlier."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        info["observation_delay"] = self._delay
        return self._delayed(observation, "", start=False), reward, terminated, truncated, info

    def _delayed(self, observation: Any, path: str, start: bool) -> Any:
        """``observation`` with each of its arrays replaced by that array's delayed value (copies)."""
        if not start and type(observation) is np.ndarray and path in self._lines:  # a flat observation
            return self._lines[path](observation[None])[0]
        if isinstance(observation, dict):
            return type(observation)(
                (key, self._delayed(value, f"{path}/{key}", start)) for key, value in observation.items()
            )
        if isinstance(observation, tuple):
            return tuple(self._delayed(value, f"{path}/{i}", start) for i, value in enumerate(observation))
        line = self._lines.get(path)
        if line is None:
            line = self._lines[path] = DelayLine(self.delays)
        batch = np.asarray(observation)[None]
        delayed = (line.reset(batch) if start else line(batch))[0]
        if isinstance(observation, np.ndarray):
            return delayed
        return delayed.item() if isinstance(observation, int | float | bool) else delayed[()]


def _array_paths(space: gym.Space[Any], path: str) -> list[str]:
    """The paths (as :meth:`ObservationDelay._delayed` names them) of the arrays of an observation space."""
    if isinstance(space, gym.spaces.Dict):
        return [leaf for key, sub in space.spaces.items() for leaf in _array_paths(sub, f"{path}/{key}")]
    if isinstance(space, gym.spaces.Tuple):
        return [leaf for i, sub in enumerate(space.spaces) for leaf in _array_paths(sub, f"{path}/{i}")]
    return [path]
