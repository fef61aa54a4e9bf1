"""Finite resolution of some observation channels."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from rlkit.envs.effects.quantization import SensorQuantization
from rlkit.envs.sensors.channels import ChannelWrapper


class ObservationQuantization(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """Rounds every reading of the selected channels to the nearest multiple of ``step``.

    A reading exactly half-way between two multiples rounds to the even multiple (NumPy's rule). Where the
    observation space is bounded and a bound is no multiple of ``step``, a reading rounded past the bound is
    clipped back to it. The effect is :class:`~rlkit.envs.effects.quantization.SensorQuantization` on a batch
    of one.

    Args:
        env: The env whose observations are read.
        step: The resolution, > 0: one for every channel, or one per selected channel.
        channels: Indices of the quantized channels (None: all).
        stream: Name of the effect's random stream; this effect draws no random numbers, the argument only
            lets every effect be named alike.

    Raises:
        ValueError: ``step`` is not positive or has the wrong shape, or ``channels`` is invalid.
    """

    def __init__(
        self,
        env: gym.Env,
        step: float | Sequence[float] | np.ndarray,
        channels: np.ndarray | None = None,
        stream: str = "ObservationQuantization",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, step=step, channels=channels, stream=stream)
        ChannelWrapper.__init__(self, env)
        self.effect = SensorQuantization(self.space, 1, step, channels, stream)
        self.step_size = self.effect.step_size
