"""The actor-critic network of the policy-gradient family, built from the spaces through ``rlkit.nn``."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlkit.agents.spaces import space_shape
from rlkit.config.schema import NetworkConfig
from rlkit.errors import RlkitError
from rlkit.nn import CategoricalHead, GaussianHead, ValueHead, build_encoder, is_image_space
from rlkit.nn.deploy import PolicyNetwork
from rlkit.nn.distributions import Categorical, DiagGaussian
from rlkit.nn.encoders import Encoder
from rlkit.nn.normalization import ObservationNormalizer

ActionDistribution = Categorical | DiagGaussian

PRIVILEGED_KEYS = ("policy", "privileged")
#: The key of a Dict observation that holds the legal moves of a Discrete action space (1: legal), as
#: PettingZoo's games give them; an all-zero mask is a row whose agent does not act (not on turn).
ACTION_MASK = "action_mask"


def split_action_mask(space: gym.Space[Any]) -> tuple[gym.Space[Any], int]:
    """The observation space without its ``action_mask`` (a Dict of ``policy`` alone becomes that Box) and the
    mask's width; ``(space, 0)`` for a space without one."""
    if not (isinstance(space, gym.spaces.Dict) and ACTION_MASK in space.spaces):
        return space, 0
    rest = {key: sub for key, sub in space.spaces.items() if key != ACTION_MASK}
    inner: gym.Space[Any] = rest["policy"] if set(rest) == {"policy"} else gym.spaces.Dict(rest)
    return inner, int(np.prod(space_shape(space[ACTION_MASK])))


def privileged_parts(space: gym.Space[Any]) -> tuple[gym.spaces.Box, gym.spaces.Box] | None:
    """The ``policy`` and ``privileged`` Boxes of a ``Dict{policy, privileged}`` of 1-D Boxes, as a privileged
    observation makes; None for any other space."""
    if not (isinstance(space, gym.spaces.Dict) and set(space.spaces) == set(PRIVILEGED_KEYS)):
        return None
    policy, privileged = space["policy"], space["privileged"]
    if not (isinstance(policy, gym.spaces.Box) and isinstance(privileged, gym.spaces.Box)):
        return None
    if len(policy.shape) != 1 or len(privileged.shape) != 1:
        return None
    return policy, privileged


def is_privileged_space(space: gym.Space[Any]) -> bool:
    """Whether ``space`` is ``Dict{policy, privileged}`` of 1-D Boxes, as a privileged observation makes."""
    return privileged_parts(space) is not None


def actor_observation_space(observation_space: gym.Space[Any]) -> tuple[gym.spaces.Box, bool]:
    """The space a deployed policy reads, and whether it is the ``policy`` part of a privileged Dict (else
    the whole observation space); an ``action_mask`` follows as its last columns.

    Raises:
        RlkitError: The space is neither a Box nor a ``Dict{policy, privileged}`` (each maybe masked).
    """
    inner, mask_dim = split_action_mask(observation_space)
    parts = privileged_parts(inner)
    space, privileged = (parts[0], True) if parts is not None else (inner, False)
    if not isinstance(space, gym.spaces.Box):
        raise RlkitError(
            f"export needs Box observations (or Dict{{policy, privileged}}); got {observation_space}"
        )
    if mask_dim:
        space = gym.spaces.Box(-np.inf, np.inf, (int(space.shape[0]) + mask_dim,), np.float32)
    return space, privileged


def flatten_observation(obs: np.ndarray | dict[str, np.ndarray]) -> np.ndarray:
    """``[policy | privileged | action_mask]`` along the last axis for a Dict observation (each part where
    present); an array unchanged.

    Stored as one vector: the actor reads the leading ``policy`` columns, the critic ``policy`` and
    ``privileged``, and the trailing mask columns say which actions are legal.
    """
    if isinstance(obs, dict):
        keys = [key for key in (*PRIVILEGED_KEYS, ACTION_MASK) if key in obs]
        return np.concatenate([np.asarray(obs[key], dtype=np.float32) for key in keys], axis=-1)
    return obs


def check_policy_gradient_spaces(agent: str, action_space: gym.Space[Any]) -> None:
    """Policy-gradient agents act in Discrete and bounded 1-D Box action spaces."""
    if isinstance(action_space, gym.spaces.Discrete):
        return
    if isinstance(action_space, gym.spaces.Box) and len(action_space.shape) == 1:
        if not (np.all(np.isfinite(action_space.low)) and np.all(np.isfinite(action_space.high))):
            raise RlkitError(
                f"agent '{agent}' needs finite action bounds; the env's action space is {action_space}"
            )
        return
    raise RlkitError(
        f"agent '{agent}' acts in Discrete or 1-D Box action spaces; the env's action space is {action_space}"
    )


class ActorCritic(PolicyNetwork):
    """Policy π(a|s) and value V(s) over (optionally normalized) observations.

    Actor and critic have separate encoders unless ``network.shared_encoder``. Observation normalization
    is part of the module (its statistics are buffers), so a checkpoint or an exported policy carries it.
    Callers normalize once with :meth:`normalize` and pass the result to :meth:`forward`, so the samples
    stored for an update are exactly what the networks saw when acting.

    Asymmetric actor-critic: for a ``Dict{policy, privileged}`` observation space the module works on the
    flat vector ``[policy | privileged]`` (:func:`flatten_observation`); the critic reads all of it, the
    actor only the ``policy`` columns, so the deployed policy never needs the simulator's privileged values.

    Action masks: a Dict observation with an ``action_mask`` (a Discrete action space's legal moves) adds
    the mask as trailing columns, never normalized: illegal actions get probability zero, and a row with
    no legal action (an agent not on turn) keeps every action and is left out of the policy's loss
    (:meth:`acting`).
    """

    def __init__(
        self,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        network: NetworkConfig,
        normalize_observations: bool = False,
        clip_observations: float = 10.0,
        log_std_init: float = 0.0,
        state_dependent_std: bool = False,
        squash_actions: bool = False,
    ) -> None:
        super().__init__()
        self.actor_dim: int | None = None
        observation_space, self.mask_dim = split_action_mask(observation_space)
        if self.mask_dim and not (
            isinstance(action_space, gym.spaces.Discrete) and int(action_space.n) == self.mask_dim
        ):
            raise RlkitError(
                f"an action_mask of {self.mask_dim} moves needs a Discrete({self.mask_dim}) action space; "
                f"the env's action space is {action_space}"
            )
        actor_space = observation_space
        parts = privileged_parts(observation_space)
        if parts is not None:
            if network.shared_encoder:
                raise RlkitError("agent.network.shared_encoder cannot be used with a privileged observation")
            actor_space, privileged_space = parts
            self.actor_dim = int(actor_space.shape[0])
            width = self.actor_dim + int(privileged_space.shape[0])
            observation_space = gym.spaces.Box(-np.inf, np.inf, (width,), np.float32)
        inner_shape = tuple(space_shape(observation_space))
        self.observation_shape: tuple[int, ...] = (
            (inner_shape[0] + self.mask_dim,) if self.mask_dim else inner_shape
        )
        # Images are never standardized: the CNN scales pixels to [0, 1], and standardized pixels scaled
        # again would reach the first convolution as values of about +-0.01.
        self.obs_normalizer = (
            ObservationNormalizer(inner_shape, clip_observations)
            if normalize_observations and not is_image_space(observation_space)
            else None
        )

        def encoder(space: gym.Space[Any]) -> Encoder[Any]:
            return build_encoder(
                space,
                hidden_sizes=network.hidden_sizes,
                activation=network.activation,
                layer_norm=network.layer_norm,
                cnn=network.cnn,
            )

        self.actor_encoder: Encoder[Any] = encoder(actor_space)
        self.critic_encoder: Encoder[Any] = (
            self.actor_encoder if network.shared_encoder else encoder(observation_space)
        )
        features, critic_features = self.head_inputs()
        self.discrete = isinstance(action_space, gym.spaces.Discrete)
        self.policy_head: CategoricalHead | GaussianHead
        if isinstance(action_space, gym.spaces.Discrete):
            self.policy_head = CategoricalHead(features, int(action_space.n))
        else:
            self.policy_head = GaussianHead(
                features,
                int(np.prod(space_shape(action_space))),
                state_dependent_std=state_dependent_std,
                log_std_init=log_std_init,
                squash=squash_actions,
            )
        self.value_head = ValueHead(critic_features)

    def head_inputs(self) -> tuple[int, int]:
        """Feature sizes the policy and value heads read: the encoders' outputs (a recurrent subclass puts
        its memory cores in between)."""
        return self.actor_encoder.output_dim, self.critic_encoder.output_dim

    def observe(self, obs: torch.Tensor) -> None:
        """Update the running observation statistics (if normalizing) with raw (flat) observations."""
        if self.obs_normalizer is not None:
            self.obs_normalizer.stats.update(self._unmasked(obs))

    def normalize(self, obs: torch.Tensor) -> torch.Tensor:
        """Observations as the networks see them (an action mask's columns unchanged)."""
        if self.obs_normalizer is None:
            return obs
        if not self.mask_dim:
            return self.obs_normalizer(obs)
        return torch.cat([self.obs_normalizer(self._unmasked(obs)), obs[..., -self.mask_dim :]], dim=-1)

    def distribution(self, obs: torch.Tensor) -> ActionDistribution:
        """π(·|s) for normalized observations (illegal actions at probability zero)."""
        return self.legal(self.policy_head(self.actor_encoder(self.actor_input(obs))), obs)

    def actor_input(self, obs: torch.Tensor) -> torch.Tensor:
        """The columns of (flat) observations the actor reads: the ``policy`` part."""
        return obs[..., : self.actor_dim] if self.actor_dim is not None else self._unmasked(obs)

    def legal(self, dist: ActionDistribution, obs: torch.Tensor) -> ActionDistribution:
        """``dist`` with the moves the observations' action masks forbid at probability zero (a row with no
        legal move keeps every move); ``dist`` itself without masks. ``obs`` and ``dist`` share the batch
        shape (flattened alike)."""
        if not self.mask_dim:
            return dist
        assert isinstance(dist, Categorical)  # masks come with Discrete actions (checked at build)
        legal = obs.reshape(*dist.logits.shape[:-1], -1)[..., -self.mask_dim :] > 0.5
        legal = legal | ~legal.any(dim=-1, keepdim=True)
        return Categorical(dist.logits.masked_fill(~legal, float("-inf")))

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        """V(s) for normalized observations, shape (B,)."""
        return self.value_head(self.critic_encoder(self._unmasked(obs)))

    def acting(self, obs: torch.Tensor) -> torch.Tensor | None:
        """Which rows of (flat) observations have a legal action (their agent acts); None without masks."""
        if not self.mask_dim:
            return None
        return (obs[..., -self.mask_dim :] > 0.5).any(dim=-1)

    def _unmasked(self, obs: torch.Tensor) -> torch.Tensor:
        return obs[..., : -self.mask_dim] if self.mask_dim else obs

    def forward(self, obs: torch.Tensor) -> tuple[ActionDistribution, torch.Tensor]:
        """π(·|s) and V(s) for normalized observations."""
        return self.distribution(obs), self.value(obs)


class ActionMapper:
    """Turns policy outputs into env actions: integers for Discrete; clipped or rescaled floats for Box."""

    def __init__(self, action_space: gym.Space[Any], squash: bool) -> None:
        self.discrete = isinstance(action_space, gym.spaces.Discrete)
        if isinstance(action_space, gym.spaces.Box):
            self.low = action_space.low.astype(np.float32)
            self.high = action_space.high.astype(np.float32)
            self.dtype = action_space.dtype
        elif not self.discrete:
            raise TypeError(f"actions map onto a Discrete or Box action space, not {action_space}")
        self.squash = squash

    def __call__(self, actions: torch.Tensor) -> np.ndarray:
        """Env actions for a batch of policy actions."""
        values = actions.cpu().numpy()
        if self.discrete:
            return values.astype(np.int64)
        if self.squash:  # tanh output in [-1, 1] → [low, high]
            return (self.low + 0.5 * (values + 1.0) * (self.high - self.low)).astype(self.dtype)
        return np.clip(values, self.low, self.high).astype(self.dtype)
