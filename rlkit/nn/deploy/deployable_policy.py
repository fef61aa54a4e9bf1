"""A policy ready to leave the training process: one ``torch.nn.Module`` from the env's observation to the
env's action, its description, and (where the agent has one) the live network it was copied from.

Every agent builds its own (:meth:`rlkit.agents.base.Agent.deployable_policy`), from copies of its networks,
with the pieces of :mod:`rlkit.nn.deploy`. The module is self-contained: it takes the observation a deployed
robot receives (the env's observation, or only the ``policy`` part of a ``Dict{policy, privileged}`` one) in
the env's dtype, and returns the deterministic env action the agent's ``make_policy(deterministic=True)``
would choose. Everything in between lives in the graph: the cast to float32, observation normalization, the
encoder (CNNs scale pixels by 1/255 themselves), the head, and the mapping onto the env's action space (argmax
for discrete actions; clipping, or rescaling of a tanh-squashed action, for Box actions).
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import torch
from torch import nn

from rlkit.nn.deploy.spec import DeploySpec
from rlkit.nn.distributions import Categorical, DiagGaussian
from rlkit.nn.parameter_estimator import ParameterEstimator

ModuleT = TypeVar("ModuleT", bound=nn.Module)


def deployable_copy(network: ModuleT) -> ModuleT:
    """A copy of ``network`` on the CPU, in eval mode (noisy layers act with their mean weights), without
    gradients: what a deployable policy is built from, so that exporting never touches the live networks."""
    return copy.deepcopy(network).cpu().eval().requires_grad_(False)


class PolicyNetwork(nn.Module, ABC):
    """A feed-forward policy network that gives π(·|s) from observations it normalizes itself.

    Distillation fits one to a teacher's actions through these three methods and the network's parameters.
    """

    @abstractmethod
    def observe(self, obs: torch.Tensor) -> None:
        """Update the running observation statistics (if the network normalizes) with raw observations."""

    @abstractmethod
    def normalize(self, obs: torch.Tensor) -> torch.Tensor:
        """Raw observations as the network reads them."""

    @abstractmethod
    def distribution(self, obs: torch.Tensor) -> Categorical | DiagGaussian:
        """π(·|s) for normalized observations."""


@dataclass(frozen=True)
class TrainablePolicy:
    """The live network behind a feed-forward deployable policy, with what it takes to fit it.

    Attributes:
        network: The agent's own policy network (training it trains the agent).
        optimizer: The agent's optimizer over the network's parameters.
        to_tensor: The env's (batched) observations as the network reads them before normalization: a float32
            tensor on the agent's device (a privileged Dict flattened to ``[policy | privileged]``).
        squash: The network's Box actions are tanh-squashed into ``[-1, 1]`` and rescaled to the bounds
            (else its actions are env actions, clipped).
    """

    network: PolicyNetwork
    optimizer: torch.optim.Optimizer
    to_tensor: Callable[[Any], torch.Tensor]
    squash: bool


@dataclass(frozen=True)
class AdaptationParts:
    """The live parts of a policy that acts on privileged parameters it estimates from its observation
    history (Rapid Motor Adaptation): what ``rlkit distill``'s adaptation method sets and fits.

    Attributes:
        estimator: The agent's own adaptation module (training it trains the agent).
        base: The agent's own frozen base policy, ``[latest reading | parameters] -> env action``: a
            deployable module of the teacher's agent, which takes the teacher's weights.
        parameters: Names of the estimated parameters, in the order the base policy reads them.
    """

    estimator: ParameterEstimator
    base: nn.Module
    parameters: tuple[str, ...]


@dataclass
class DeployablePolicy:
    """A deployable module and its description.

    Attributes:
        module: ``obs -> env action`` (feed-forward) or ``(obs, *state, episode_start) -> (env action,
            *new_state)`` (recurrent, :class:`rlkit.nn.deploy.policies.RecurrentPolicy`). Built from copies of
            the agent's networks (:func:`deployable_copy`), never from the live ones: it is put in eval mode
            without gradients here, wrappers included, as export traces it.
        spec: Its inputs, outputs and family.
        trainable: The live network the module was copied from, where it is a feed-forward distribution
            policy that can be fitted (the actor-critic agents); None for the other families.
        adaptation: The live adaptation module and base policy the module was copied from, where the policy
            estimates privileged parameters from its history (the ``rma`` agent); None for the others.
    """

    module: nn.Module
    spec: DeploySpec
    trainable: TrainablePolicy | None = None
    adaptation: AdaptationParts | None = None

    def __post_init__(self) -> None:
        self.module.eval().requires_grad_(False)

    def example_inputs(self, batch: int = 2) -> tuple[torch.Tensor, ...]:
        """Inputs of the right shapes and dtypes (zeros), for tracing."""
        dtype = torch.from_numpy(np.zeros(0, dtype=self.spec.observation_dtype)).dtype
        obs = torch.zeros((batch, *self.spec.observation_shape), dtype=dtype)
        states = [torch.zeros(s.num_layers, batch, s.hidden_size) for s in self.spec.states]
        starts = [torch.ones(batch)] if self.spec.recurrent else []
        return (obs, *states, *starts)
