"""Actuation latency on a batch: an env's action takes effect some control steps after the policy sent it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.action_effect import ActionEffect
from rlkit.envs.effects.delays import EpisodeDelays
from rlkit.envs.effects.streams import Rows


class ActuatorDelay(ActionEffect):
    """Env ``i`` receives the action sent exactly ``k_i`` control steps earlier, ``k_i`` its episode's delay.

    ``k_i`` is ``min_delay`` when ``min_delay == max_delay``, else drawn when the episode starts, uniform over
    [``min_delay``, ``max_delay``]. During an episode's first ``k_i`` steps the env receives the neutral
    action (see :func:`~rlkit.envs.effects.action_effect.neutral_action`). With ``groups`` (a team's robots,
    each a set of actuators) each group draws a delay of its own, in the groups' order, from the env's
    stream: each robot's commands arrive with the latency of its own control loop.

    Args:
        space, num_envs, stream: See :class:`~rlkit.envs.effects.action_effect.ActionEffect`.
        min_delay: Smallest delay in control steps, >= 0.
        max_delay: Largest delay in control steps, >= ``min_delay``.
        groups: The action columns of each group, covering every column once (None: one delay per env).

    Raises:
        ValueError: A delay is not an integer >= 0, ``min_delay > max_delay``, the groups do not cover
            the columns once, or the action space is unsuitable.
    """

    def __init__(
        self,
        space: Box,
        num_envs: int,
        min_delay: int,
        max_delay: int,
        stream: str = "ActionDelay",
        groups: Sequence[Sequence[int] | np.ndarray] | None = None,
    ) -> None:
        super().__init__(space, num_envs, stream)
        self.delays = EpisodeDelays(self.streams, min_delay, max_delay)
        """Each env's delay (of its first group, with ``groups``)."""
        columns = len(self.low)
        self.groups = None if groups is None else [np.asarray(group, dtype=np.int64) for group in groups]
        #: Each further group's delays (the first group's are :attr:`delays`), drawn after it.
        self._more_delays: list[EpisodeDelays] = []
        #: Each action column's group.
        self._column_group = np.zeros(columns, dtype=np.int64)
        if self.groups is not None:
            covered = np.sort(np.concatenate(self.groups))
            if not np.array_equal(covered, np.arange(columns)):
                raise ValueError(f"groups must cover the {columns} action columns once, got {groups}")
            for index, group in enumerate(self.groups):
                self._column_group[group] = index
            self._more_delays = [EpisodeDelays(self.streams, min_delay, max_delay) for _ in self.groups[1:]]
        self._length = self.delays.max_delay + 1
        self._sent = np.zeros((num_envs, self._length, columns))
        self.steps = np.zeros(num_envs, dtype=np.int64)
        """Each env's steps since its episode started."""
        self._envs = np.arange(num_envs)
        self._columns = np.arange(columns)
        self._step = self._delay = 0

    @property
    def group_delays(self) -> np.ndarray:
        """Each env's delay per group, ``(num_envs, groups)`` (one group without ``groups``)."""
        return np.stack([self.delays.delays, *(more.delays for more in self._more_delays)], axis=1)

    def _start_episodes(self, rows: Rows) -> None:
        self.delays.draw(rows)
        for more in self._more_delays:  # each env's stream: its first group's draw, then the next group's
            more.draw(rows)
        self.steps[rows] = 0
        if len(self._envs) == 1:  # a batch of one steps on Python ints: its step and its episode's delay
            self._step, self._delay = 0, int(self.delays.delays[0])

    def _applied(self, actions: np.ndarray) -> np.ndarray:
        if self._more_delays:
            return self._applied_per_group(actions)
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

    def _applied_per_group(self, actions: np.ndarray) -> np.ndarray:
        """Each column as sent its group's delay earlier (the neutral value before anything arrived)."""
        steps, envs = self.steps, self._envs
        self._sent[envs, steps % self._length] = actions
        sent_at = steps[:, None] - self.group_delays[:, self._column_group]  # (envs, columns)
        applied = self._sent[envs[:, None], np.maximum(sent_at, 0) % self._length, self._columns[None, :]]
        applied = np.where(sent_at < 0, self.neutral[None, :], applied)
        self.steps = steps + 1
        return applied
