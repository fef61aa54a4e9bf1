"""The sensor and actuator models of a config as array effects on a batch of envs, in ``make_env``'s order.

:class:`ActuatorChain` changes a batch of actions as the per-env actuator wrappers change each env's action
(outermost first: noise → latency → rate limit → saturation; the repeat is left to the stepper, see
:class:`~rlkit.envs.effects.repeat.RepeatedSteps`). :class:`SensorChain` reads a batch of observations as
the per-env sensor wrappers read each env's (the observed channels, then each group's models, then the
observation latency). Env ``i`` of the batch draws from the streams env ``i``'s wrappers draw from, seeded
alike, so that the same seeds give the same numbers on both paths.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium.spaces import Box

from rlkit.config.sim2real import ActuatorModelConfig, SensorsConfig
from rlkit.envs.effects.action_delay import ActuatorDelay
from rlkit.envs.effects.action_effect import ActionEffect
from rlkit.envs.effects.history import ObservationHistory, history_names, history_space
from rlkit.envs.effects.latency import ObservationLatency
from rlkit.envs.effects.layers import actuator_layers, observation_latency, observed_channels, sensor_layers
from rlkit.envs.effects.observed import ChannelSelection
from rlkit.envs.effects.repeat import RepeatedSteps
from rlkit.envs.effects.streams import EVERY_ENV, Rows


class ActuatorChain:
    """``env.actuators`` on a batch of actions.

    Args:
        config: The ``env.actuators`` section.
        space: The single env's action space (a 1-D ``Box`` with finite bounds when an effect changes it).
        num_envs: Envs in the batch.
        delay_groups: The action columns of each group with a latency of its own (a team's robots).

    Attributes:
        effects: The effects, in the order an action meets them.
        repeat: The repeat's bookkeeping, or None when every action is applied once.
        delay: The actuation latency, or None (its delays are reported as ``info["action_delay"]``).
    """

    def __init__(
        self,
        config: ActuatorModelConfig,
        space: Box,
        num_envs: int,
        delay_groups: Sequence[Sequence[int] | np.ndarray] | None = None,
    ) -> None:
        layers = actuator_layers(config, delay_groups)
        self.repeat: RepeatedSteps | None = None
        self.effects: list[ActionEffect] = []
        for layer in reversed(layers):  # outermost first
            effect = layer.effect()
            if effect is None:  # the repeat: the stepper steps each action this many times
                self.repeat = RepeatedSteps(**layer.arguments)
            else:
                self.effects.append(effect(space, num_envs, **layer.arguments))
        delays = [effect for effect in self.effects if isinstance(effect, ActuatorDelay)]
        self.delay: ActuatorDelay | None = delays[0] if delays else None

    def reset(self, rows: Rows = EVERY_ENV, seeds: Sequence[int | None] | None = None) -> None:
        """Start the episodes of envs ``rows``; ``seeds`` (one per env, None: continue) re-seed first."""
        for effect in self.effects:
            effect.reset(rows, seeds)

    def __call__(self, actions: np.ndarray) -> np.ndarray:
        """The actions every env's sim receives (the action space's dtype; ``actions`` when no effect)."""
        for effect in self.effects:
            actions = effect(actions)
        return actions


class SensorChain:
    """``env.sensors`` on a batch of flat observations.

    Args:
        config: The ``env.sensors`` section.
        space: The single env's observation space (a 1-D float ``Box`` when a model reads it).
        names: The name of every channel of that space.
        num_envs: Envs in the batch.

    Attributes:
        observation_space: The single env's observation space after the observed channels are kept (and
            the history of ``config.history`` readings).
        observation_names: Their names.
        latency: The observation latency, or None (its delays are reported as ``info["observation_delay"]``).
        history: The observation history, or None for the current reading alone.

    Raises:
        RlkitError: A channel selection names no channel, or an unknown one.
    """

    def __init__(self, config: SensorsConfig, space: Box, names: list[str], num_envs: int) -> None:
        kept = observed_channels(config, names)
        self.selection = None if kept is None else ChannelSelection(kept, len(names))
        if self.selection is not None:
            channels = self.selection.channels
            space = Box(space.low[channels], space.high[channels], (channels.size,), space.dtype)
            names = [names[i] for i in channels]
        self.observation_space = space
        self.observation_names = names
        self.effects = [
            layer.effect()(space, num_envs, **layer.arguments) for layer in sensor_layers(config, names)
        ]
        latency = observation_latency(config)
        self.latency: ObservationLatency | None = (
            None if latency is None else latency.effect()(num_envs, **latency.arguments)
        )
        self.history = None if config.history == 1 else ObservationHistory(num_envs, config.history)
        if self.history is not None:
            self.observation_space = history_space(space, config.history)
            self.observation_names = history_names(names, config.history)

    def reset(
        self, observations: np.ndarray, rows: Rows = EVERY_ENV, seeds: Sequence[int | None] | None = None
    ) -> np.ndarray:
        """The readings of envs ``rows``' reset observations; their models' episodes start afresh."""
        if self.selection is not None:
            observations = self.selection(observations)
        for effect in self.effects:
            observations = effect.reset(observations, rows, seeds)
        if self.latency is not None:
            observations = self.latency.reset(observations, rows, seeds)
        if self.history is not None:
            observations = self.history.reset(observations, rows)
        return observations

    def __call__(self, observations: np.ndarray) -> np.ndarray:
        """Every env's reading of one step's observations."""
        if self.selection is not None:
            observations = self.selection(observations)
        for effect in self.effects:
            observations = effect(observations)
        if self.latency is not None:
            observations = self.latency(observations)
        if self.history is not None:
            observations = self.history(observations)
        return observations
