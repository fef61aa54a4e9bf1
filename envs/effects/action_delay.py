"""Actuation latency on a batch: an env's action takes effect some control steps after the policy sent it."""

from __future__ import annotations

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.action_effect import ActionEffect
from rlkit.envs.effects.delays import EpisodeDelays
from rlkit.envs.effects.streams import Rows


class ActuatorDelay(ActionEffect):
    """Env ``i`` receives the action sent exactly ``k_i`` control steps earlier, ``k_i`` its episode's delay.

    ``k_i`` is ``min_delay`` when ``min_delay == max_delay``, else drawn when the episode starts, uniform over
    [``min_delay``, ``max_delay``]. During an episode's first ``k_i`` steps the env receives the neutral
    action (see :func:`~rlkit.envs.effects.action_effect.neutral_action`).

    Args:
        space, num_envs, stream: See :class:`~rlkit.envs.effects.action_effect.ActionEffect`.
        min_delay: Smallest delay in control steps, >= 0.
        max_delay: Largest delay in control steps, >= ``min_delay``.

    Raises:
        ValueError: A delay is not an integer >= 0, ``min_delay > max_delay``, or the action space is
            unsuitable.
    """

    def __init__(
        self, space: Box, num_envs: int, min_delay: int, max_delay: int, stream: str = "ActionDelay"
    ) -> None:
        super().__init__(space, num_envs, stream)
        self.delays = EpisodeDelays(self.streams, min_delay, max_delay)
        self._length = self.delays.max_delay + 1
        self._sent = np.zeros((num_envs, self._length, len(self.low)))
        self.steps = np.zeros(num_envs, dtype=np.int64)
        """Each env's steps since its episode started."""
        self._envs = np.arange(num_envs)
        self._step = self._delay = 0

    def _start_episodes(self, rows: Rows) -> None:
        self.delays.draw(rows)
        self.steps[rows] = 0
        if len(self._envs) == 1:  # a batch of one steps on Python ints: its step and its episode's delay
            self._step, self._delay = 0, int(self.delays.delays[0])

    def _applied(self, actions: np.ndarray) -> np.ndarray:
        if len(self._envs) == 1:  # the per-env wrapper's batch of one, on Python ints
            step = self._step
            self._step = self.steps[0] = step + 1
            sent = self._sent[0]
            sent[step % self._length] = actions[0]
            at = step - self._delay
            return (sent[at % self._length] if at >= 0 else self.neutral)[None].copy()
        steps, envs = self.steps, self._envs
        self._sent[envs, steps % self._length] = actions
        sent_at = steps - self.delays.delays
        applied = self._sent[envs, np.maximum(sent_at, 0) % self._length]
        applied[sent_at < 0] = self.neutral
        self.steps = steps + 1
        return applied
