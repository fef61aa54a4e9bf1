"""A recurrent core (LSTM or GRU) whose per-environment state is reset at episode boundaries.

Recurrent policies see rollouts as ``(T, B)`` grids where env ``b`` may start a new episode at any step
``t``. The memory of that env must be wiped right before step ``t`` so nothing leaks across episodes,
while the other envs keep theirs. :class:`RecurrentCore` does this exactly, and runs as few recurrent
calls as possible: the sequence is split only at steps where some env starts an episode, and each
stretch in between goes through ``nn.LSTM``/``nn.GRU`` in one fused call.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

import torch
from torch import nn

from rlkit.nn.init import recurrent_init

RecurrentState = tuple[torch.Tensor, ...]
"""Recurrent state: ``(h, c)`` for an LSTM or ``(h,)`` for a GRU, each ``(num_layers, B, hidden_size)``."""

RecurrentCell = Literal["lstm", "gru"]


class RecurrentCore(nn.Module):
    """An LSTM or GRU over time-major sequences, with per-env state resets at episode starts.

    Weights are initialised by :func:`rlkit.nn.init.recurrent_init` (orthogonal per gate, zero biases).

    Attributes:
        input_dim: Size of the input features.
        hidden_size: Size of the recurrent state and of the output.
        output_dim: Same as ``hidden_size``.
        cell: ``"lstm"`` or ``"gru"``.
        num_layers: Number of stacked recurrent layers.
        rnn: The underlying ``nn.LSTM`` or ``nn.GRU`` (time-major).

    Example:
        >>> core = RecurrentCore(8, hidden_size=16, cell="gru")
        >>> state = core.initial_state(batch_size=4)
        >>> out, state = core(torch.zeros(5, 4, 8), state, torch.zeros(5, 4, dtype=torch.bool))
        >>> out.shape, state[0].shape
        (torch.Size([5, 4, 16]), torch.Size([1, 4, 16]))
    """

    output_dim: int

    def __init__(
        self, input_dim: int, hidden_size: int = 128, cell: RecurrentCell = "lstm", num_layers: int = 1
    ) -> None:
        """Build the recurrent layer.

        Args:
            input_dim: Size of the input features.
            hidden_size: Size of the recurrent state and of the output.
            cell: ``"lstm"`` or ``"gru"``.
            num_layers: Number of stacked recurrent layers.

        Raises:
            ValueError: If ``cell`` is unknown or a size is not positive.
        """
        super().__init__()
        if cell not in ("lstm", "gru"):
            raise ValueError(f"unknown recurrent cell {cell!r}; valid cells are: lstm, gru")
        if input_dim <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(
                f"RecurrentCore sizes must be positive, got input_dim={input_dim}, "
                f"hidden_size={hidden_size}, num_layers={num_layers}"
            )
        rnn_type = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = recurrent_init(rnn_type(input_dim, hidden_size, num_layers=num_layers))
        self.input_dim = input_dim
        self.hidden_size = hidden_size
        self.output_dim = hidden_size
        self.cell = cell
        self.num_layers = num_layers
        self._is_lstm = cell == "lstm"

    def initial_state(self, batch_size: int, device: torch.device | str | None = None) -> RecurrentState:
        """All-zero state for ``batch_size`` envs.

        Args:
            batch_size: Number of envs.
            device: Where to put the state; defaults to the device of the core's parameters.

        Returns:
            ``(h, c)`` for an LSTM or ``(h,)`` for a GRU, each of shape ``(num_layers, batch_size,
            hidden_size)`` and the parameters' dtype.
        """
        weight = self.rnn.get_parameter("weight_hh_l0")
        shape = (self.num_layers, batch_size, self.hidden_size)
        device = weight.device if device is None else device
        num_tensors = 2 if self._is_lstm else 1
        return tuple(torch.zeros(shape, dtype=weight.dtype, device=device) for _ in range(num_tensors))

    def forward(
        self, x: torch.Tensor, state: RecurrentState, episode_starts: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, RecurrentState]:
        """Run the core over a sequence (or one step), resetting the state of envs that start an episode.

        Where ``episode_starts[t, b]`` is true (non-zero), env ``b``'s state is zeroed *before* step ``t``
        is processed, so its output at ``t`` depends only on ``x[t:, b]`` from then on. Gradients flow
        through the state everywhere except across such a reset; pass a detached ``state`` to truncate
        backpropagation through time at the start of the sequence.

        Args:
            x: Inputs, ``(T, B, input_dim)`` for a sequence or ``(B, input_dim)`` for a single step.
            state: State before the first step, as from :meth:`initial_state` or a previous call.
            episode_starts: Bool or 0/1 float flags, ``(T, B)`` for a sequence or ``(B,)`` for a single
                step. ``None`` means no env starts an episode.

        Returns:
            ``(out, new_state)``: ``out`` is ``(T, B, hidden_size)`` (``(B, hidden_size)`` for a single
            step) and ``new_state`` is the state after the last step.
        """
        single_step = x.dim() == 2
        if single_step:
            x = x.unsqueeze(0)
        elif x.dim() != 3:
            raise ValueError(f"RecurrentCore input must be (T, B, D) or (B, D), got shape {tuple(x.shape)}")
        if episode_starts is None:
            out, state = self._run(x, state)
        else:
            out, state = self._run_with_resets(x, state, episode_starts)
        return (out.squeeze(0) if single_step else out), state

    def _run(self, x: torch.Tensor, state: RecurrentState) -> tuple[torch.Tensor, RecurrentState]:
        """One fused recurrent call over all of ``x``."""
        if self._is_lstm:
            out, (h, c) = self.rnn(x, state)
            return out, (h, c)
        out, h = self.rnn(x, state[0])
        return out, (h,)

    def _run_with_resets(
        self, x: torch.Tensor, state: RecurrentState, episode_starts: torch.Tensor
    ) -> tuple[torch.Tensor, RecurrentState]:
        steps, batch = x.shape[0], x.shape[1]
        starts = episode_starts.reshape(steps, batch) != 0
        # (T, B, 1) multipliers: 0 zeroes an env's state, 1 keeps it (exactly, and keeps its gradient).
        keep = (~starts).to(x.dtype).unsqueeze(-1)
        if steps == 1:
            return self._run(x, _mask_state(state, keep[0]))
        # Split only at steps where some env restarts; a start at t=0 is handled by masking the input state.
        split_steps = (torch.nonzero(starts[1:].any(dim=1)).flatten() + 1).tolist()
        if not split_steps:
            return self._run(x, _mask_state(state, keep[0]))
        bounds = [0, *split_steps, steps]
        outputs: list[torch.Tensor] = []
        for begin, end in pairwise(bounds):
            segment_out, state = self._run(x[begin:end], _mask_state(state, keep[begin]))
            outputs.append(segment_out)
        return torch.cat(outputs, dim=0), state


def _mask_state(state: RecurrentState, keep: torch.Tensor) -> RecurrentState:
    """Multiply each ``(L, B, H)`` state tensor by ``keep`` of shape ``(B, 1)``."""
    return tuple(s * keep for s in state)
