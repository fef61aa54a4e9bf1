"""Lost readings on some observation channels."""

from __future__ import annotations

from typing import Literal

import gymnasium as gym
import numpy as np

from rlkit.envs.sensors.channels import ChannelWrapper

DropoutMode = Literal["zero", "hold"]


class ObservationDropout(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """At every step, each selected channel's reading is lost, independently, with a fixed probability.

    A lost reading reads 0 (``mode="zero"``; clipped to the observation space where 0 lies outside it) or
    the channel's last delivered value (``mode="hold"``). The reset observation is always delivered, in
    both modes, so that a held value always exists.

    Args:
        env: The env whose observations are read.
        probability: Probability, in [0, 1], that a reading is lost.
        mode: What a lost reading reads: ``"zero"`` or ``"hold"``.
        channels: Indices of the channels that can lose readings (None: all).
        stream: Name of the effect's random stream (distinct when the effect appears twice).

    Raises:
        ValueError: ``probability`` is outside [0, 1], ``mode`` is unknown, or ``channels`` is invalid.

    ``probability`` and ``mode`` are read ahead, when a block of steps' losses is drawn (see
    :class:`~rlkit.sim.random_stream.RowBlock`) and at construction: set them at construction.
    """

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
        ChannelWrapper.__init__(self, env, channels, stream)
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be in [0, 1], got {probability}")
        if mode not in ("zero", "hold"):
            raise ValueError(f"mode must be 'zero' or 'hold', got {mode!r}")
        self.probability = float(probability)
        self.mode = mode
        self.delivered = np.zeros(len(self.channels))
        """The last reading this effect delivered, per selected channel (a copy of it)."""
        # Which readings are lost, drawn ahead for many steps: the very numbers ``random(n) < p`` gives.
        count = len(self.channels)
        self._lost = self._stream.rows(
            lambda generator, rows: generator.random((rows, count)) < self.probability
        )
        self._replacement = 0.0 if mode == "zero" else None  # None: the last delivered value

    def _first_reading(self, values: np.ndarray) -> np.ndarray:
        self.delivered = values.copy()
        return values

    def _reading(self, values: np.ndarray) -> np.ndarray:
        replacement = self._replacement
        np.copyto(values, self.delivered if replacement is None else replacement, where=self._lost.next())
        self.delivered = values.copy()  # a copy: ``values`` may become the caller's observation
        return values
