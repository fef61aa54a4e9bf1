"""Weight initialisation for rlkit networks.

Every layer in :mod:`rlkit.nn` starts from an orthogonal weight matrix scaled by a gain and a constant
bias. Orthogonal matrices preserve the norm of their input, so with the right gain per activation the
activations neither explode nor vanish through depth; policy and value output layers use small or unit
gains so the initial policy is close to uniform and the initial value estimates are small.
"""

from __future__ import annotations

import math
from typing import TypeVar

import torch
from torch import nn

ModuleT = TypeVar("ModuleT", bound=nn.Module)

# Layers whose ``weight`` is a matrix (or a conv kernel, flattened to one) and which take orthogonal init.
_WEIGHT_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
_RECURRENT_LAYERS = (nn.RNNBase, nn.RNNCellBase)


def orthogonal_init(module: ModuleT, gain: float = math.sqrt(2.0), bias: float = 0.0) -> ModuleT:
    """Orthogonally initialise the weights of a Linear/Conv layer and set its bias to a constant.

    If ``module`` is a container, every Linear/Conv layer inside it gets the same ``gain`` and ``bias``.
    Conv kernels are flattened to ``(out_channels, in_channels * kernel_size)`` matrices before the
    orthogonalisation, as in :func:`torch.nn.init.orthogonal_`.

    Args:
        module: An ``nn.Linear``/``nn.Conv{1,2,3}d``, or a module containing some.
        gain: Scale of the orthogonal matrix; use :func:`rlkit.nn.activations.activation_gain` for hidden
            layers.
        bias: The constant every bias entry is set to.

    Returns:
        ``module`` itself, so the call can wrap a constructor: ``orthogonal_init(nn.Linear(4, 64), 1.0)``.

    Raises:
        TypeError: If ``module`` neither is nor contains a Linear/Conv layer.
    """
    layers = [m for m in module.modules() if isinstance(m, _WEIGHT_LAYERS)]
    if not layers:
        raise TypeError(
            f"orthogonal_init needs an nn.Linear or nn.Conv layer (or a module containing one), "
            f"got {type(module).__name__}; use recurrent_init for LSTM/GRU"
        )
    with torch.no_grad():
        for layer in layers:
            nn.init.orthogonal_(layer.weight, gain=gain)
            if layer.bias is not None:
                layer.bias.fill_(bias)
    return module


def recurrent_init(module: ModuleT, hidden_gain: float = 1.0, input_gain: float = 1.0) -> ModuleT:
    """Initialise an LSTM/GRU/RNN (layer or cell): orthogonal weights per gate, zero biases.

    The stacked weight matrices of a recurrent layer hold one block per gate (4 for LSTM, 3 for GRU). Each
    block is made orthogonal on its own: an orthogonal hidden-to-hidden block keeps the recurrent state's
    norm through time at initialisation, which is what makes long sequences trainable. Input-to-hidden blocks
    are orthogonal too. All biases start at zero, so no gate is biased open or closed before training (in
    particular the LSTM forget-gate bias is 0, not the sometimes-used 1).

    Args:
        module: An ``nn.LSTM``, ``nn.GRU``, ``nn.RNN`` or one of their ``Cell`` variants, or a module
            containing some.
        hidden_gain: Gain of each hidden-to-hidden (and LSTM projection) block.
        input_gain: Gain of each input-to-hidden block.

    Returns:
        ``module`` itself.

    Raises:
        TypeError: If ``module`` neither is nor contains a recurrent layer.
    """
    layers = [m for m in module.modules() if isinstance(m, _RECURRENT_LAYERS)]
    if not layers:
        raise TypeError(f"recurrent_init needs an RNN/LSTM/GRU layer or cell, got {type(module).__name__}")
    with torch.no_grad():
        for layer in layers:
            hidden_size = layer.hidden_size
            for name, param in layer.named_parameters(recurse=False):
                if name.startswith("bias"):
                    param.zero_()
                elif name.startswith("weight_hr"):
                    # The LSTM projection is a single (proj_size, hidden_size) matrix, not per gate.
                    nn.init.orthogonal_(param, gain=hidden_gain)
                else:
                    gain = hidden_gain if name.startswith("weight_hh") else input_gain
                    for gate_block in param.split(hidden_size, dim=0):
                        nn.init.orthogonal_(gate_block, gain=gain)
    return module
