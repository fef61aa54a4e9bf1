"""Lost readings on some observation channels."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from rlkit.envs.effects.dropout import DropoutMode, SensorDropout
from rlkit.envs.sensors.channels import ChannelWrapper

__all__ = ["DropoutMode", "ObservationDropout"]


class ObservationDropout(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """At every step, each selected channel's reading is lost, independently, with a fixed probability.

    A lost reading reads 0 (``mode="zero"``; clipped to the observation space where 0 lies outside it) or
    the channel's last delivered value (``mode="hold"``). The reset observation is always delivered, in
    both modes, so that a held value always exists. The effect is
    :class:`~rlkit.envs.effects.dropout.SensorDropout` on a batch of one.

    Args:
        env: The env whose observations are read.
        probability: Probability, in [0, 1], that a reading is lost.
        mode: What a lost reading reads: ``"zero"`` or ``"hold"``.
        channels: Indices of the channels that can lose readings (None: all).
        stream: Name of the effect's random stream (distinct when the effect appears twice).

    Raises:
        ValueError: ``probability`` is outside [0, 1], ``mode`` is unknown, or ``channels`` is invalid.

    ``probability`` is read ahead, when a block of steps' losses is drawn (see
    :class:`~rlkit.sim.random_stream.RowBlock`): set it at construction.
    """

    effect: SensorDropout

    def __init__(
        self,
        env: gym.Env,
        probability: float,
        mode: DropoutMode = "hold",
        channels: np.ndarray | None = None,
        stream: str = "ObservationDropout",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self, probability=probability, mode=mode, channels=channels, stream=stream
        )
        ChannelWrapper.__init__(self, env)
        self.effect = SensorDropout(self.space, 1, probability, mode, channels, stream)
        self.probability = self.effect.probability
        self.mode = self.effect.mode

    @property
    def delivered(self) -> np.ndarray:
        """The last reading this effect delivered, per selected channel."""
        return self.effect.delivered[0]
