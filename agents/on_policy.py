"""What the on-policy actor-critic agents share: acting, rollout collection, bootstrapping and checkpoints.

An :class:`OnPolicyAgent` samples actions from an :class:`ActorCritic`, stores ``n_steps`` vector steps in a
:class:`RolloutBuffer` (with the value of the true final observation wherever an episode was truncated) and
is due for an update once the buffer is full. Subclasses (PPO, A2C, REINFORCE) implement :meth:`update`
from the stored rollout and :meth:`next_values`.
"""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
import torch

from rlkit.agents.actor_critic import (
    ActionDistribution,
    ActionMapper,
    ActorCritic,
    check_policy_gradient_spaces,
    flatten_observation,
    is_privileged_space,
    split_action_mask,
)
from rlkit.agents.base import Agent, FrozenPolicy, StepResult, load_generator_state
from rlkit.agents.on_policy_config import OnPolicyConfig
from rlkit.agents.spaces import space_shape
from rlkit.buffers.rollout_buffer import RolloutBuffer
from rlkit.errors import RlkitError
from rlkit.nn.deploy import (
    ActorCriticActor,
    DeployablePolicy,
    EnvActionMapping,
    FeedForwardPolicy,
    MaskedActorCriticActor,
    ObservationPreprocessor,
    TrainablePolicy,
    deployable_copy,
)
from rlkit.nn.normalization import ReturnNormalizer
from rlkit.nn.state_mismatch import load_module_states
from rlkit.optim import build_lr_schedule, build_optimizer
from rlkit.policy import ObservationBatch
from rlkit.seeding import seeded_torch_generator


class ExploredRolloutStep(NamedTuple):
    """What :meth:`OnPolicyAgent.explore` keeps for :meth:`OnPolicyAgent.record`: one vector step of the
    rollout as the networks saw it."""

    obs: torch.Tensor
    actions: torch.Tensor
    log_probs: torch.Tensor
    values: torch.Tensor


class OnPolicyAgent(Agent):
    """Collects rollouts with the current stochastic policy; the update is the subclass's algorithm."""

    remote_acting = True
    acting_modules = ("policy",)
    config: OnPolicyConfig

    def __init__(
        self,
        config: OnPolicyConfig,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        self.policy = self.build_policy(observation_space, action_space).to(device)
        self.parameters = list(self.policy.parameters())
        self.optimizer = build_optimizer(self.parameters, config)
        self.lr_schedule = build_lr_schedule(config, target_kl=self.kl_target())
        self.to_env_action = ActionMapper(action_space, config.squash_actions)
        discrete = isinstance(action_space, gym.spaces.Discrete)
        self.buffer = RolloutBuffer(
            config.n_steps,
            num_envs,
            self.policy.observation_shape,
            () if discrete else space_shape(action_space),
            torch.long if discrete else torch.float32,
            device,
        )
        self.return_normalizer = (
            ReturnNormalizer(num_envs, config.gamma) if config.normalize_returns else None
        )
        self.generator = seeded_torch_generator(seed, "exploration", device)
        self._pending: ExploredRolloutStep | None = None
        self._last_next_obs: np.ndarray | None = None
        self.updates = 0

    def kl_target(self) -> float | None:
        """The KL divergence per update that an ``adaptive_kl`` lr schedule holds; None where the algorithm
        measures no KL (``build_lr_schedule`` then refuses ``adaptive_kl``). PPO's is ``agent.target_kl``."""
        return None

    def build_policy(self, observation_space: gym.Space[Any], action_space: gym.Space[Any]) -> ActorCritic:
        """The actor-critic network, from the config."""
        config = self.config
        return ActorCritic(
            observation_space,
            action_space,
            config.network,
            normalize_observations=config.normalize_observations,
            clip_observations=config.clip_observations,
            log_std_init=config.log_std_init,
            state_dependent_std=config.state_dependent_std,
            squash_actions=config.squash_actions,
        )

    @classmethod
    def check_spaces(cls, observation_space: gym.Space[Any], action_space: gym.Space[Any]) -> None:
        name = cls.config_class.model_fields["name"].default
        check_policy_gradient_spaces(name, action_space)
        inner, _ = split_action_mask(observation_space)
        if isinstance(inner, gym.spaces.Dict) and not is_privileged_space(inner):
            raise RlkitError(
                f"agent '{name}' reads Box observations or Dict{{policy, privileged}}, each with an optional "
                f"action_mask; the env's is {observation_space}"
            )

    def _obs_tensor(self, obs: np.ndarray | dict[str, np.ndarray]) -> torch.Tensor:
        return torch.as_tensor(flatten_observation(obs), dtype=torch.float32, device=self.device)

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        dist = self.policy.distribution(self.policy.normalize(self._obs_tensor(obs)))
        return self.to_env_action(dist.mode() if deterministic else dist.sample(self.generator))

    def frozen_policy(
        self, deterministic: bool = False, seed: int = 0, weights: dict[str, torch.Tensor] | None = None
    ) -> FrozenPolicy:
        network = copy.deepcopy(self.policy).eval()
        if weights is not None:
            network.load_state_dict(weights)
        generator = seeded_torch_generator(seed, "frozen_policy", self.device)

        @torch.no_grad()
        def play(obs: ObservationBatch, episode_starts: np.ndarray) -> np.ndarray:
            dist = network.distribution(network.normalize(self._obs_tensor(obs)))
            return self.to_env_action(dist.mode() if deterministic else dist.sample(generator))

        return FrozenPolicy(play, network)

    @property
    def rollout_length(self) -> int:
        return self.config.n_steps

    @torch.no_grad()
    def explore(self, obs: np.ndarray, env_steps: int, actions: np.ndarray | None = None) -> np.ndarray:
        raw = self._obs_tensor(obs)
        self.policy.observe(raw)
        obs_t = self.policy.normalize(raw)
        dist, values = self.policy(obs_t)
        chosen = self.sample_or_take(dist, actions)
        self._pending = ExploredRolloutStep(obs_t, chosen, dist.log_prob(chosen), values)
        return self.to_env_action(chosen)

    def deployable_policy(self) -> DeployablePolicy:
        """The actor as ``obs -> env action``: the frozen normalization, the actor's encoder, the policy
        head's mode and the agent's action mapping. Its live network, with this agent's optimizer, is the
        :attr:`DeployablePolicy.trainable` part (distillation fits it)."""
        network = deployable_copy(self.policy)
        squash = self.to_env_action.squash
        preprocess = ObservationPreprocessor(network.obs_normalizer, network.actor_dim)
        actor: torch.nn.Module = ActorCriticActor(network.actor_encoder, network.policy_head)
        if network.mask_dim:  # the mask columns pass on unnormalized: the actor picks among legal moves
            actor = MaskedActorCriticActor(
                preprocess, network.actor_encoder, network.policy_head, network.mask_dim
            )
            preprocess = ObservationPreprocessor(None, None)
        module = FeedForwardPolicy(preprocess, actor, EnvActionMapping(self.action_space, squash))
        trainable = TrainablePolicy(self.policy, self.optimizer, self._obs_tensor, squash)
        return DeployablePolicy(module, self.deploy_spec("actor_critic", squash), trainable)

    def sample_or_take(self, dist: ActionDistribution, actions: np.ndarray | None) -> torch.Tensor:
        """A sample of ``dist``, or the ``actions`` a rollout worker's copy sampled, on this device."""
        if actions is None:
            return dist.sample(self.generator)
        return torch.as_tensor(actions, dtype=self.buffer.actions.dtype, device=self.device)

    def discard_experience(self) -> None:
        self.buffer.reset()

    def envs_reset(self, envs: np.ndarray | None = None) -> None:
        """The return normalizer's running returns of those envs restart. The rollout needs nothing: envs
        are reset between rollouts (a rollout worker's fragment is a whole rollout), and the last one was
        bootstrapped from its last observation."""
        if self.return_normalizer is not None:
            mask = slice(None) if envs is None else torch.as_tensor(envs)
            self.return_normalizer.returns[mask] = 0.0

    @torch.no_grad()
    def record(self, step: StepResult) -> None:
        if self._pending is None:
            raise RuntimeError("record() called without a preceding explore()")
        obs_t, actions, log_probs, values = self._pending
        self._pending = None
        # Rewards are scaled on the host, where they arrive: no device round trip in the per-step path.
        rewards = torch.as_tensor(step.rewards, dtype=torch.float32)
        host_dones = torch.as_tensor(step.terminated | step.truncated)
        if self.return_normalizer is not None:
            rewards = self.return_normalizer(rewards, host_dones)
        rewards = rewards.to(self.device)
        terminated = torch.as_tensor(step.terminated, device=self.device)
        dones = host_dones.to(self.device)
        truncation_values = torch.zeros_like(values)
        truncated = step.truncated & ~step.terminated
        if truncated.any():
            index = torch.as_tensor(np.flatnonzero(truncated), device=self.device)
            final_obs = self.policy.normalize(self._obs_tensor(step.next_obs)[index])
            truncation_values[index] = self.bootstrap_values(final_obs, index)
        self.buffer.add(obs_t, actions, log_probs, values, rewards, terminated, dones, truncation_values)
        self._last_next_obs = step.next_obs  # only the rollout's last one is needed, to bootstrap it

    def update_due(self, env_steps: int) -> bool:
        return self.buffer.full

    @torch.no_grad()
    def next_values(self) -> torch.Tensor:
        """(T, N) V(s_{t+1}) of the full rollout: the value of the observation after its last step, and of
        the true final observation where an episode was truncated (ignored where it terminated)."""
        if self._last_next_obs is None:
            raise RuntimeError("next_values() called before any step was recorded")
        last_values = self.bootstrap_values(self.policy.normalize(self._obs_tensor(self._last_next_obs)))
        return self.buffer.next_values(last_values)

    def bootstrap_values(self, next_obs: torch.Tensor, envs: torch.Tensor | None = None) -> torch.Tensor:
        """V of normalized observations that follow the last step acted on, in the envs ``envs`` (None:
        all): a recurrent critic reads them with each env's memory."""
        return self.policy.value(next_obs)

    def flat_rollout(self, *per_step: torch.Tensor) -> list[torch.Tensor]:
        """The stored observations and actions, then each (T, N, ...) tensor given, as (T * N, ...)."""
        buffer = self.buffer
        size = buffer.n_steps * buffer.num_envs
        tensors = (buffer.obs, buffer.actions, *per_step)
        return [tensor.reshape(size, *tensor.shape[2:]) for tensor in tensors]

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "policy": self.policy.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "updates": self.updates,
            "gradient_steps_done": self.gradient_steps_done,
        }
        if self.return_normalizer is not None:
            state["return_normalizer"] = self.return_normalizer.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        load_module_states(f"{type(self).__name__} network", {"policy": (self.policy, state.get("policy"))})
        if "optimizer" in state:
            self.optimizer.load_state_dict(state["optimizer"])
        if "generator" in state:
            load_generator_state(self.generator, state["generator"])
        self.updates = int(state.get("updates", 0))
        self.gradient_steps_done = int(state.get("gradient_steps_done", 0))
        if self.return_normalizer is not None and "return_normalizer" in state:
            self.return_normalizer.load_state_dict(state["return_normalizer"])

    def std_metric(self) -> dict[str, float]:
        """``policy/std`` for a state-independent Gaussian std (a state-dependent one has no single value)."""
        log_std = getattr(self.policy.policy_head, "log_std", None)
        return {} if log_std is None else {"policy/std": float(log_std.detach().exp().mean())}


def explained_variance(predicted: torch.Tensor, target: torch.Tensor) -> float:
    """1 - Var(target - predicted) / Var(target): 1 is a perfect value function, ≤ 0 no better than a mean."""
    variance = target.var()
    return float("nan") if variance == 0 else float(1.0 - (target - predicted).var() / variance)
