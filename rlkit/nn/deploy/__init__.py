"""Deployable policies: the torch modules every agent family builds its exported policy from, and their
description (:class:`DeploySpec`). They live in the foundation so that agents build their own
(:meth:`rlkit.agents.base.Agent.deployable_policy`) and export, distillation and evaluation only ask."""

from rlkit.nn.deploy.actors import (
    ActorCriticActor,
    GreedyQ,
    MaskedActorCriticActor,
    MemoryHead,
    OffPolicyActor,
)
from rlkit.nn.deploy.deployable_policy import (
    AdaptationParts,
    DeployablePolicy,
    PolicyNetwork,
    TrainablePolicy,
    deployable_copy,
)
from rlkit.nn.deploy.mapping import EnvActionMapping, ObservationPreprocessor
from rlkit.nn.deploy.policies import AdaptedPolicy, FeedForwardPolicy, RecurrentPolicy
from rlkit.nn.deploy.spec import (
    FAMILIES,
    RESET_RULE,
    DeploySpec,
    StateSpec,
    action_description,
    state_specs,
)

__all__ = [
    "FAMILIES",
    "RESET_RULE",
    "ActorCriticActor",
    "AdaptationParts",
    "AdaptedPolicy",
    "DeploySpec",
    "DeployablePolicy",
    "EnvActionMapping",
    "FeedForwardPolicy",
    "GreedyQ",
    "MaskedActorCriticActor",
    "MemoryHead",
    "ObservationPreprocessor",
    "OffPolicyActor",
    "PolicyNetwork",
    "RecurrentPolicy",
    "StateSpec",
    "TrainablePolicy",
    "action_description",
    "deployable_copy",
    "state_specs",
]
