"""The measurement range of some observation channels."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from rlkit.envs.sensors.channels import ChannelWrapper, per_channel


class ObservationClip(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """Clips every reading of the selected channels to the sensor's measurement range [low, high].

    The observation space is left unchanged (see :class:`~rlkit.envs.sensors.channels.ChannelWrapper`).

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
        ChannelWrapper.__init__(self, env, channels, stream)
        self.low = per_channel(low, len(self.channels), "low", finite=False)
        self.high = per_channel(high, len(self.channels), "high", finite=False)
        if np.any(self.low > self.high):
            raise ValueError(f"low must not exceed high, got low={low}, high={high}")

    def _reading(self, values: np.ndarray) -> np.ndarray:
        # In place; maximum then minimum is np.clip, at half its per-call cost.
        np.maximum(values, self.low, out=values)
        np.minimum(values, self.high, out=values)
        return values
