"""A scale-factor error per episode on some observation channels (a sensor whose gain is off), on a batch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.arguments import per_channel
from rlkit.envs.effects.channel_effect import ChannelEffect
from rlkit.envs.effects.streams import Rows, env_ids


class SensorGain(ChannelEffect):
    """Multiplies each reading by a gain drawn from N(1, std) when each env's episode starts, constant for
    the whole episode: the scale-factor error an IMU or encoder datasheet lists.

    Args:
        space, num_envs, channels, stream: See :class:`~rlkit.envs.effects.channel_effect.ChannelEffect`.
        std: Standard deviation of the gain around 1: one for every channel, or one per selected channel.

    Raises:
        ValueError: ``std`` is negative or has the wrong shape, or ``channels`` is invalid.
    """

    def __init__(
        self,
        space: Box,
        num_envs: int,
        std: float | Sequence[float] | np.ndarray,
        channels: np.ndarray | None = None,
        stream: str = "SensorGain",
    ) -> None:
        super().__init__(space, num_envs, channels, stream)
        self.std = per_channel(std, len(self.channels), "std", minimum=0.0)
        self.gain = np.ones((num_envs, len(self.channels)))
        """Each env's gain of this episode, per selected channel."""

    def _first_reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        for env in env_ids(rows, self.num_envs):  # one draw per starting env, only at resets
            self.gain[env] = self.streams.generator(env).normal(1.0, self.std)
        return self._reading(values, rows)

    def _reading(self, values: np.ndarray, rows: Rows) -> np.ndarray:
        values *= self.gain[rows]
        return values
