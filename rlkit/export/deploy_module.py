"""The deployable policy: one ``torch.nn.Module`` per agent family that maps observations to env actions.

A :class:`DeployablePolicy` is self-contained: it takes the observation a deployed robot receives (the env's
observation, or only the ``policy`` part of a ``Dict{policy, privileged}`` one) in the env's dtype, and
returns the deterministic env action the agent's ``make_policy(deterministic=True)`` would choose. Everything
in between lives in the graph: the cast to float32, observation normalization, the encoder (CNNs scale pixels
by 1/255 themselves), the head, and the mapping onto the env's action space (argmax for discrete actions;
clipping, or rescaling of a tanh-squashed action, for Box actions).

Recurrent policies (recurrent_ppo, r2d2) keep no hidden state: it is explicit, ``forward(obs, *state,
episode_start) -> (action, *new_state)``, each state tensor ``(num_layers, B, hidden_size)``. Where
``episode_start`` is 1 the state is zeroed before the step, exactly as the agent's memory is wiped.

The module is built from the agents' public attributes only (``policy``, ``q_network``, ``actor``,
``support``, ``to_env_action``), on copies, on the CPU, in eval mode.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from rlkit.errors import RlkitError

#: Agent families and how their policies are exported.
FAMILIES = ("actor_critic", "recurrent_actor_critic", "dqn", "r2d2", "off_policy_actor")

RESET_RULE = (
    "feed episode_start=1 on the first observation of every episode (and on the first call): the state is "
    "zeroed before that step; otherwise feed the state the previous call returned. Initial state: zeros."
)


@dataclass(frozen=True)
class StateSpec:
    """One recurrent state tensor: its input and output names and its shape without the batch axis."""

    name: str
    num_layers: int
    hidden_size: int

    @property
    def output_name(self) -> str:
        return f"next_{self.name}"

    def shape(self, batch: int | str = "batch") -> list[int | str]:
        """``[num_layers, batch, hidden_size]``."""
        return [self.num_layers, batch, self.hidden_size]


@dataclass(frozen=True)
class DeploySpec:
    """What goes in and out of a deployable policy, for the sidecar JSON, the metadata and parity checks."""

    family: str
    agent: str
    observation_shape: tuple[int, ...]
    observation_dtype: str
    action: dict[str, Any]
    states: tuple[StateSpec, ...] = field(default_factory=tuple)
    privileged_policy_part: bool = False

    @property
    def recurrent(self) -> bool:
        return bool(self.states)

    @property
    def input_names(self) -> list[str]:
        return ["obs", *(s.name for s in self.states), *(["episode_start"] if self.states else [])]

    @property
    def output_names(self) -> list[str]:
        return ["action", *(s.output_name for s in self.states)]

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description of inputs, outputs and (recurrent) the state reset rule."""
        inputs: dict[str, Any] = {
            "obs": {
                "shape": ["batch", *self.observation_shape],
                "dtype": self.observation_dtype,
                "note": (
                    "the 'policy' part of the Dict observation only"
                    if self.privileged_policy_part
                    else "the env's observation as it returns it"
                ),
            }
        }
        outputs: dict[str, Any] = {"action": self.action_output()}
        for state in self.states:
            inputs[state.name] = {"shape": state.shape(), "dtype": "float32"}
            outputs[state.output_name] = {"shape": state.shape(), "dtype": "float32"}
        description: dict[str, Any] = {
            "family": self.family,
            "agent": self.agent,
            "inputs": inputs,
            "outputs": outputs,
            "action_space": self.action,
            "recurrent": self.recurrent,
        }
        if self.states:
            inputs["episode_start"] = {
                "shape": ["batch"],
                "dtype": "float32",
                "note": "1.0 where obs is the first observation of an episode, else 0.0",
            }
            description["reset_rule"] = RESET_RULE
        return description

    def action_output(self) -> dict[str, Any]:
        if self.action["type"] == "discrete":
            return {"shape": ["batch"], "dtype": "int64"}
        return {"shape": ["batch", *self.action["shape"]], "dtype": self.action["dtype"]}


class ObservationPreprocessor(nn.Module):
    """Cast to float32, then (optionally) standardize and clip with frozen statistics.

    The statistics are the first ``width`` entries of an :class:`ObservationNormalizer`'s (the ``policy``
    columns of a flat ``[policy | privileged]`` vector), computed as the normalizer does: std in float64, then
    both cast to float32, so the graph gives the very same numbers.
    """

    def __init__(self, normalizer: nn.Module | None, width: int | None) -> None:
        super().__init__()
        self.normalize = normalizer is not None
        self.clip = float(normalizer.clip) if normalizer is not None else 0.0
        mean = torch.zeros(0)
        std = torch.ones(0)
        if normalizer is not None:
            stats = normalizer.stats
            mean = stats.mean.detach().cpu().to(torch.float32)
            std = (stats.var.detach().cpu() + normalizer.epsilon).sqrt().to(torch.float32)
            if width is not None:
                mean, std = mean[..., :width], std[..., :width]
        self.register_buffer("mean", mean.clone())
        self.register_buffer("std", std.clone())

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        obs = obs.to(torch.float32)
        if not self.normalize:
            return obs
        return ((obs - self.mean) / self.std).clamp(-self.clip, self.clip)


class EnvActionMapping(nn.Module):
    """The agent's :class:`rlkit.agents.actor_critic.ActionMapper` in the graph: argmax is done by the
    caller; Box actions are rescaled from ``[-1, 1]`` (tanh-squashed) or clipped to the bounds, then cast."""

    def __init__(self, action_space: gym.Space, squash: bool) -> None:
        super().__init__()
        self.discrete = isinstance(action_space, gym.spaces.Discrete)
        self.squash = squash
        low = torch.zeros(0)
        high = torch.zeros(0)
        self.dtype = torch.int64
        if not self.discrete:
            low = torch.as_tensor(action_space.low.astype(np.float32))
            high = torch.as_tensor(action_space.high.astype(np.float32))
            self.dtype = torch.from_numpy(np.zeros(0, dtype=action_space.dtype)).dtype
        self.register_buffer("low", low)
        self.register_buffer("high", high)

    def forward(self, actions: torch.Tensor) -> torch.Tensor:
        if self.discrete:
            return actions.to(torch.int64)
        if self.squash:
            actions = self.low + 0.5 * (actions + 1.0) * (self.high - self.low)
        else:
            actions = torch.maximum(torch.minimum(actions, self.high), self.low)
        return actions.to(self.dtype)


def _mode(dist: Any) -> torch.Tensor:
    """The deterministic action of a Categorical / DiagGaussian (``mode()``)."""
    return dist.mode()


class FeedForwardPolicy(nn.Module):
    """``obs -> env action`` for a feed-forward actor: preprocess, actor network, action mapping."""

    def __init__(self, preprocess: nn.Module, actor: nn.Module, mapping: nn.Module) -> None:
        super().__init__()
        self.preprocess = preprocess
        self.actor = actor
        self.mapping = mapping

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.mapping(self.actor(self.preprocess(obs)))


class ActorCriticActor(nn.Module):
    """The actor half of an :class:`rlkit.agents.actor_critic.ActorCritic`: encoder, policy head, mode."""

    def __init__(self, encoder: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return _mode(self.head(self.encoder(obs)))


class GreedyQ(nn.Module):
    """argmax over a Q-network's values (the expected value of the atoms for a distributional one)."""

    def __init__(self, q_network: nn.Module, support: torch.Tensor | None) -> None:
        super().__init__()
        self.q_network = q_network
        self.distributional = support is not None
        self.register_buffer("support", torch.zeros(0) if support is None else support.detach().cpu().clone())

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        out = self.q_network(obs)
        if self.distributional:
            out = (out.softmax(dim=-1) * self.support).sum(dim=-1)
        return out.argmax(dim=-1)


class OffPolicyActor(nn.Module):
    """An off-policy actor's deterministic action in ``[-1, 1]``: its output (TD3) or its mode (SAC)."""

    def __init__(self, actor: nn.Module) -> None:
        super().__init__()
        self.actor = actor

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        out = self.actor(obs)
        return out if isinstance(out, torch.Tensor) else _mode(out)


class RecurrentPolicy(nn.Module):
    """``(obs, *state, episode_start) -> (env action, *new_state)``: one step of a recurrent actor.

    ``encoder`` maps observations to features, ``rnn`` is the core's ``nn.LSTM``/``nn.GRU`` (time-major),
    ``head`` maps memory features to the deterministic policy action (mode or argmax).
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


class MemoryHead(nn.Module):
    """Deterministic action from memory features: ``mode`` of a policy head, or argmax of a Q head."""

    def __init__(self, head: nn.Module, greedy: bool) -> None:
        super().__init__()
        self.head = head
        self.greedy = greedy

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        out = self.head(features)
        return out.argmax(dim=-1) if self.greedy else _mode(out)


@dataclass
class DeployablePolicy:
    """A deployable module and its description."""

    module: nn.Module
    spec: DeploySpec

    def example_inputs(self, batch: int = 2) -> tuple[torch.Tensor, ...]:
        """Inputs of the right shapes and dtypes (zeros), for tracing."""
        dtype = torch.from_numpy(np.zeros(0, dtype=self.spec.observation_dtype)).dtype
        obs = torch.zeros((batch, *self.spec.observation_shape), dtype=dtype)
        states = [torch.zeros(s.num_layers, batch, s.hidden_size) for s in self.spec.states]
        starts = [torch.ones(batch)] if self.spec.recurrent else []
        return (obs, *states, *starts)


def _action_description(action_space: gym.Space, squash: bool) -> dict[str, Any]:
    if isinstance(action_space, gym.spaces.Discrete):
        return {"type": "discrete", "n": int(action_space.n), "start": int(action_space.start)}
    return {
        "type": "box",
        "shape": [int(d) for d in action_space.shape],
        "dtype": str(np.dtype(action_space.dtype)),
        "low": action_space.low.astype(float).tolist(),
        "high": action_space.high.astype(float).tolist(),
        "mapping": "tanh-squashed, rescaled to [low, high]" if squash else "clipped to [low, high]",
    }


def _actor_observation_space(observation_space: gym.Space) -> tuple[gym.Space, bool]:
    """The space the actor reads: the ``policy`` part of a privileged Dict, else the whole space."""
    from rlkit.agents.actor_critic import is_privileged_space

    if is_privileged_space(observation_space):
        return observation_space["policy"], True
    if not isinstance(observation_space, gym.spaces.Box):
        raise RlkitError(
            f"export needs Box observations (or Dict{{policy, privileged}}); got {observation_space}"
        )
    return observation_space, False


def _state_specs(core: nn.Module, prefix: str = "") -> tuple[StateSpec, ...]:
    names = ("h", "c") if core.cell == "lstm" else ("h",)
    return tuple(StateSpec(f"{prefix}{name}", core.num_layers, core.hidden_size) for name in names)


def build_deployable_policy(agent: Any) -> DeployablePolicy:
    """The deployable module of ``agent`` (a copy on the CPU in eval mode) and its description.

    Raises:
        RlkitError: The agent is of a family that cannot be exported (its name is in the message).
    """
    from rlkit.agents.actor_critic import ActorCritic
    from rlkit.agents.dqn.agent import QNetwork
    from rlkit.agents.off_policy import OffPolicyActorCritic
    from rlkit.agents.r2d2.network import RecurrentQNetwork
    from rlkit.agents.recurrent_actor_critic import RecurrentActorCritic

    name = str(getattr(agent.config, "name", type(agent).__name__))
    obs_space, privileged = _actor_observation_space(agent.observation_space)
    action_space = agent.action_space
    policy = getattr(agent, "policy", None)
    q_network = getattr(agent, "q_network", None)

    if isinstance(policy, ActorCritic):
        network = copy.deepcopy(policy).cpu().eval()
        squash = bool(getattr(network.policy_head, "squash", False))
        preprocess = ObservationPreprocessor(network.obs_normalizer, network.actor_dim)
        mapping = EnvActionMapping(action_space, squash)
        if isinstance(network, RecurrentActorCritic):
            core = network.actor_core
            module: nn.Module = RecurrentPolicy(
                preprocess, network.actor_encoder, core.rnn, MemoryHead(network.policy_head, False), mapping
            )
            family, states = "recurrent_actor_critic", _state_specs(core)
        else:
            module = FeedForwardPolicy(
                preprocess, ActorCriticActor(network.actor_encoder, network.policy_head), mapping
            )
            family, states = "actor_critic", ()
    elif isinstance(q_network, RecurrentQNetwork):
        network = copy.deepcopy(q_network).cpu().eval()
        module = RecurrentPolicy(
            ObservationPreprocessor(None, None),
            network.encoder,
            network.core.rnn,
            MemoryHead(network.head, True),
            EnvActionMapping(action_space, False),
        )
        family, states, squash = "r2d2", _state_specs(network.core), False
    elif isinstance(q_network, QNetwork):
        network = copy.deepcopy(q_network).cpu().eval()  # eval: noisy layers use their mean weights
        greedy = GreedyQ(network, getattr(agent, "support", None))
        module = FeedForwardPolicy(
            ObservationPreprocessor(None, None), greedy, EnvActionMapping(action_space, False)
        )
        family, states, squash = "dqn", (), False
    elif isinstance(agent, OffPolicyActorCritic):
        actor = copy.deepcopy(agent.actor).cpu().eval()
        # the actor slices [policy | privileged] itself; the exported policy is fed the policy part alone
        if getattr(actor, "actor_dim", None) is not None:
            actor.actor_dim = None
        squash = True
        module = FeedForwardPolicy(
            ObservationPreprocessor(None, None), OffPolicyActor(actor), EnvActionMapping(action_space, True)
        )
        family, states = "off_policy_actor", ()
    else:
        raise RlkitError(
            f"agent '{name}' cannot be exported: export knows the actor-critic (ppo, a2c, reinforce, "
            "recurrent_ppo), dqn, r2d2, sac and td3 families"
        )
    module.eval().requires_grad_(False)
    spec = DeploySpec(
        family=family,
        agent=name,
        observation_shape=tuple(int(d) for d in obs_space.shape),
        # uint8 pixels go in as the env gives them (the graph casts, the CNN scales by 1/255); any other
        # observation as float32, the dtype every agent acts on
        observation_dtype="uint8" if np.dtype(obs_space.dtype) == np.uint8 else "float32",
        action=_action_description(action_space, squash),
        states=states,
        privileged_policy_part=privileged,
    )
    return DeployablePolicy(module, spec)
