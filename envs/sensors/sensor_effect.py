"""Any sensor effect of :mod:`rlkit.envs.effects` on a single env, for the effects without a wrapper of their
own."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.envs.effects.channel_effect import ChannelEffect
from rlkit.envs.sensors.channels import ChannelWrapper


class SensorEffectWrapper(ChannelWrapper, gym.utils.RecordConstructorArgs):
    """Applies the array effect ``effect`` to a single env's observations (a batch of one).

    Example:
        >>> from rlkit.envs.effects.gain import SensorGain
        >>> env = SensorEffectWrapper(gym.make("Pendulum-v1"), SensorGain, std=0.02)

    Args:
        env: The env whose observations are read (a 1-D float ``Box`` observation space).
        effect: The effect's class.
        **arguments: The effect's keyword arguments after ``space`` and ``num_envs``.

    Raises:
        ValueError: The observation space is unsuitable, or the effect refuses its arguments.
    """

    def __init__(self, env: gym.Env[np.ndarray, Any], effect: type[ChannelEffect], **arguments: Any) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, effect=effect, **arguments)
        ChannelWrapper.__init__(self, env)
        self.effect = effect(self.space, 1, **arguments)
