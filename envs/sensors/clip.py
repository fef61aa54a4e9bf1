"""The measurement range of some observation channels."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from rlkit.envs.effects.clip import SensorClip
from rlkit.envs.sensors.channels import ChannelWrapper


class ObservationClip(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """Clips every reading of the selected channels to the sensor's measurement range [low, high].

    The observation space is left unchanged (see :class:`~rlkit.envs.sensors.channels.ChannelWrapper`). The
    effect is :class:`~rlkit.envs.effects.clip.SensorClip` on a batch of one.

    Args:
        env: The env whose observations are read.
        low: Lower end of the range (may be ``-inf``): one for every channel, or one per selected channel.
        high: Upper end of the range (may be ``inf``), not below ``low``.
        channels: Indices of the clipped channels (None: all).
        stream: Name of the effect's random stream; this effect draws no random numbers, the argument only
            lets every effect be named alike.

    Raises:
        ValueError: ``low`` or ``high`` is NaN or has the wrong shape, ``low > high``, or ``channels`` is
            invalid.
    """

    def __init__(
        self,
        env: gym.Env,
        low: float | Sequence[float] | np.ndarray,
        high: float | Sequence[float] | np.ndarray,
        channels: np.ndarray | None = None,
        stream: str = "ObservationClip",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, low=low, high=high, channels=channels, stream=stream)
        ChannelWrapper.__init__(self, env)
        self.effect = SensorClip(self.space, 1, low, high, channels, stream)
        self.low, self.high = self.effect.low, self.effect.high
