"""Output heads that turn encoder features into action distributions, Q-values (plain, dueling or
distributional) or state values.

Initial gains follow common on-policy practice: policy outputs start tiny (gain 0.01) so the initial
policy is near uniform / near zero-mean, and value-like outputs use gain 1.0.
"""

from __future__ import annotations

import torch
from torch import nn

from rlkit.nn.distributions import Categorical, DiagGaussian
from rlkit.nn.init import orthogonal_init
from rlkit.nn.noisy_linear import NoisyLinear

POLICY_OUTPUT_GAIN = 0.01
VALUE_OUTPUT_GAIN = 1.0


def _check_positive(owner: str, **sizes: int) -> None:
    for name, size in sizes.items():
        if size <= 0:
            raise ValueError(f"{owner} {name} must be positive, got {size}")


class CategoricalHead(nn.Module):
    """Linear layer producing the logits of a :class:`~rlkit.nn.distributions.Categorical` policy.

    Attributes:
        linear: ``input_dim -> num_actions``, orthogonal init with gain 0.01 and zero bias.
        num_actions: Number of discrete actions.
    """

    def __init__(self, input_dim: int, num_actions: int) -> None:
        """Build the head.

        Args:
            input_dim: Size of the input features.
            num_actions: Number of discrete actions.
        """
        super().__init__()
        _check_positive("CategoricalHead", input_dim=input_dim, num_actions=num_actions)
        self.linear = orthogonal_init(nn.Linear(input_dim, num_actions), gain=POLICY_OUTPUT_GAIN)
        self.num_actions = num_actions

    def forward(self, features: torch.Tensor) -> Categorical:
        """Map ``(..., input_dim)`` features to a distribution with logits ``(..., num_actions)``."""
        return Categorical(self.linear(features))


class GaussianHead(nn.Module):
    """Produces a :class:`~rlkit.nn.distributions.DiagGaussian` policy over continuous actions.

    The mean comes from a Linear layer (gain 0.01). The log standard deviation is either a learned
    parameter shared by all states (``state_dependent_std=False``, PPO-style; not clamped, so it can always
    recover through its gradient) or a second output of the same Linear layer, clamped to
    ``log_std_bounds`` (``state_dependent_std=True``, SAC-style).

    Attributes:
        action_dim: Number of action dimensions.
        state_dependent_std: Whether ``log_std`` depends on the features.
        squash: Whether the distribution squashes actions with ``tanh``.
        log_std_bounds: ``(low, high)`` clamp applied to a state-dependent ``log_std``.
        linear: ``input_dim -> action_dim`` (state-independent) or ``input_dim -> 2 * action_dim``
            (mean, then log_std; state-dependent).
        log_std: The ``(action_dim,)`` parameter, only when ``state_dependent_std`` is False.
    """

    log_std: nn.Parameter | None

    def __init__(
        self,
        input_dim: int,
        action_dim: int,
        state_dependent_std: bool = False,
        log_std_init: float = 0.0,
        squash: bool = False,
        log_std_bounds: tuple[float, float] = (-20.0, 2.0),
    ) -> None:
        """Build the head.

        Args:
            input_dim: Size of the input features.
            action_dim: Number of action dimensions.
            state_dependent_std: Predict ``log_std`` from the features instead of learning one vector.
            log_std_init: Initial ``log_std`` (the bias of the log_std outputs when state-dependent).
            squash: Squash actions into ``(-1, 1)`` with ``tanh``.
            log_std_bounds: Clamp range for a state-dependent ``log_std``.

        Raises:
            ValueError: If a size is not positive or the bounds are not ``low < high``.
        """
        super().__init__()
        _check_positive("GaussianHead", input_dim=input_dim, action_dim=action_dim)
        low, high = float(log_std_bounds[0]), float(log_std_bounds[1])
        if not low < high:
            raise ValueError(
                f"GaussianHead log_std_bounds must be (low, high) with low < high, got {log_std_bounds}"
            )
        self.action_dim = action_dim
        self.state_dependent_std = state_dependent_std
        self.squash = squash
        self.log_std_bounds = (low, high)
        if state_dependent_std:
            self.linear = orthogonal_init(nn.Linear(input_dim, 2 * action_dim), gain=POLICY_OUTPUT_GAIN)
            with torch.no_grad():
                self.linear.bias[action_dim:].fill_(log_std_init)
            self.log_std = None
        else:
            self.linear = orthogonal_init(nn.Linear(input_dim, action_dim), gain=POLICY_OUTPUT_GAIN)
            self.log_std = nn.Parameter(torch.full((action_dim,), float(log_std_init)))

    def forward(self, features: torch.Tensor) -> DiagGaussian:
        """Map ``(..., input_dim)`` features to a Gaussian with mean ``(..., action_dim)``.

        A state-independent ``log_std`` is passed as the ``(action_dim,)`` parameter and broadcasts
        against the mean.
        """
        if self.log_std is not None:
            return DiagGaussian(self.linear(features), self.log_std, self.squash)
        mean, log_std = self.linear(features).chunk(2, dim=-1)
        low, high = self.log_std_bounds
        return DiagGaussian(mean, log_std.clamp(low, high), self.squash)


def _q_output_layer(input_dim: int, output_dim: int, noisy_sigma0: float | None) -> nn.Module:
    """A value-like output layer: orthogonal Linear (gain 1), or NoisyLinear when ``noisy_sigma0`` is set."""
    if noisy_sigma0 is None:
        return orthogonal_init(nn.Linear(input_dim, output_dim), gain=VALUE_OUTPUT_GAIN)
    return NoisyLinear(input_dim, output_dim, noisy_sigma0)


class QHead(nn.Module):
    """Linear layer producing one Q-value per discrete action, or one logit per (action, atom).

    With ``num_atoms > 1`` the head is distributional (C51): the output is ``(..., num_actions, num_atoms)``
    logits of a categorical distribution over returns for each action.

    Attributes:
        linear: ``input_dim -> num_actions * num_atoms``; an orthogonal Linear (gain 1.0, zero bias), or a
            :class:`~rlkit.nn.noisy_linear.NoisyLinear` when ``noisy_sigma0`` is set.
        num_actions: Number of discrete actions.
        num_atoms: Atoms per action (1: plain Q-values).
    """

    def __init__(
        self, input_dim: int, num_actions: int, num_atoms: int = 1, noisy_sigma0: float | None = None
    ) -> None:
        """Build the head.

        Args:
            input_dim: Size of the input features.
            num_actions: Number of discrete actions.
            num_atoms: Atoms of a distributional head (1: one Q-value per action).
            noisy_sigma0: Use a NoisyLinear output layer with this ``σ₀`` (None: a plain Linear).
        """
        super().__init__()
        _check_positive("QHead", input_dim=input_dim, num_actions=num_actions, num_atoms=num_atoms)
        self.linear = _q_output_layer(input_dim, num_actions * num_atoms, noisy_sigma0)
        self.num_actions = num_actions
        self.num_atoms = num_atoms

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Map ``(..., input_dim)`` features to Q-values ``(..., num_actions)`` (or atom logits
        ``(..., num_actions, num_atoms)``)."""
        out = self.linear(features)
        return out if self.num_atoms == 1 else out.unflatten(-1, (self.num_actions, self.num_atoms))


class DuelingQHead(nn.Module):
    """Dueling Q head (Wang et al., 2016): ``Q(s, a) = V(s) + A(s, a) - mean_a' A(s, a')``.

    Separate value and advantage output layers share the encoder's features; subtracting the mean advantage
    makes the split identifiable. With ``num_atoms > 1`` the combination is applied per atom to logits, as
    in Rainbow.

    Attributes:
        value: ``input_dim -> num_atoms``.
        advantage: ``input_dim -> num_actions * num_atoms``.
        num_actions: Number of discrete actions.
        num_atoms: Atoms per action (1: plain Q-values).
    """

    def __init__(
        self, input_dim: int, num_actions: int, num_atoms: int = 1, noisy_sigma0: float | None = None
    ) -> None:
        """Build the head.

        Args:
            input_dim: Size of the input features.
            num_actions: Number of discrete actions.
            num_atoms: Atoms of a distributional head (1: one Q-value per action).
            noisy_sigma0: Use NoisyLinear output layers with this ``σ₀`` (None: plain Linear layers).
        """
        super().__init__()
        _check_positive("DuelingQHead", input_dim=input_dim, num_actions=num_actions, num_atoms=num_atoms)
        self.value = _q_output_layer(input_dim, num_atoms, noisy_sigma0)
        self.advantage = _q_output_layer(input_dim, num_actions * num_atoms, noisy_sigma0)
        self.num_actions = num_actions
        self.num_atoms = num_atoms

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Map ``(..., input_dim)`` features to Q-values ``(..., num_actions)`` (or atom logits
        ``(..., num_actions, num_atoms)``)."""
        value = self.value(features).unsqueeze(-2)  # (..., 1, atoms)
        advantage = self.advantage(features).unflatten(-1, (self.num_actions, self.num_atoms))
        q = value + advantage - advantage.mean(dim=-2, keepdim=True)
        return q.squeeze(-1) if self.num_atoms == 1 else q


class ValueHead(nn.Module):
    """Linear layer producing one state value per input.

    Attributes:
        linear: ``input_dim -> 1``, orthogonal init with gain 1.0 and zero bias.
    """

    def __init__(self, input_dim: int) -> None:
        """Build the head.

        Args:
            input_dim: Size of the input features.
        """
        super().__init__()
        _check_positive("ValueHead", input_dim=input_dim)
        self.linear = orthogonal_init(nn.Linear(input_dim, 1), gain=VALUE_OUTPUT_GAIN)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Map ``(..., input_dim)`` features to values ``(...,)``."""
        return self.linear(features).squeeze(-1)
