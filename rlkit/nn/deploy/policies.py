"""Whole deployable policies: ``obs -> env action``, feed-forward, with explicit recurrent state, or adapting
to the physics it estimates from an observation history.

Recurrent policies keep no hidden state: it is explicit, ``forward(obs, *state, episode_start) -> (action,
*new_state)``, each state tensor ``(num_layers, B, hidden_size)``. Where ``episode_start`` is 1 the state is
zeroed before the step, exactly as an agent's memory is wiped.
"""

from __future__ import annotations

import torch
from torch import nn


class FeedForwardPolicy(nn.Module):
    """``obs -> env action`` for a feed-forward actor: preprocess, actor network, action mapping.

    Args:
        preprocess: The env's observation to what the actor reads (an ``ObservationPreprocessor``).
        actor: Preprocessed observations to the deterministic policy action.
        mapping: Policy actions to env actions (an ``EnvActionMapping``).
    """

    def __init__(self, preprocess: nn.Module, actor: nn.Module, mapping: nn.Module) -> None:
        super().__init__()
        self.preprocess = preprocess
        self.actor = actor
        self.mapping = mapping

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Env actions for a batch of observations."""
        return self.mapping(self.actor(self.preprocess(obs)))


class AdaptedPolicy(nn.Module):
    """``history -> env action`` of Rapid Motor Adaptation: the privileged parameters estimated from the
    observation history, then a base policy trained on the true parameters acting on the latest reading and
    the estimate.

    Args:
        estimator: Flat histories to the estimated parameters, in their units
            (:class:`rlkit.nn.parameter_estimator.ParameterEstimator`).
        base: ``[reading | parameters] -> env action``, a feed-forward deployable policy.
        reading: Values in one reading: the history's last ``reading`` columns are the latest (histories are
            oldest first).
    """

    def __init__(self, estimator: nn.Module, base: nn.Module, reading: int) -> None:
        super().__init__()
        self.estimator = estimator
        self.base = base
        self.reading = reading

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Env actions for a batch of flat histories."""
        obs = obs.to(torch.float32)
        return self.base(torch.cat([obs[:, -self.reading :], self.estimator(obs)], dim=-1))


class RecurrentPolicy(nn.Module):
    """``(obs, *state, episode_start) -> (env action, *new_state)``: one step of a recurrent actor.

    Args:
        preprocess: The env's observation to what the encoder reads.
        encoder: Observations to features.
        rnn: The core's ``nn.LSTM``/``nn.GRU`` (time-major).
        head: Memory features to the deterministic policy action (a ``MemoryHead``: mode or argmax).
        mapping: Policy actions to env actions.
    """

    def __init__(
        self, preprocess: nn.Module, encoder: nn.Module, rnn: nn.Module, head: nn.Module, mapping: nn.Module
    ) -> None:
        super().__init__()
        self.preprocess = preprocess
        self.encoder = encoder
        self.rnn = rnn
        self.head = head
        self.mapping = mapping
        self.is_lstm = isinstance(rnn, nn.LSTM)

    def forward(self, obs: torch.Tensor, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """One step: ``inputs`` are the state tensors, then ``episode_start``; returns the action and the
        new state tensors."""
        *state, episode_start = inputs
        keep = (1.0 - episode_start.to(torch.float32)).reshape(1, -1, 1)
        features = self.encoder(self.preprocess(obs)).unsqueeze(0)
        if self.is_lstm:
            out, (h, c) = self.rnn(features, (state[0] * keep, state[1] * keep))
            new_state: tuple[torch.Tensor, ...] = (h, c)
        else:
            out, h = self.rnn(features, state[0] * keep)
            new_state = (h,)
        return (self.mapping(self.head(out[0])), *new_state)
