"""PPO with memory: an LSTM core in actor and critic, trained by backpropagation through time over sequences.

Acting carries each env's memory from step to step and wipes it where an episode starts. The rollout of
``n_steps`` per env is cut into sequences of ``sequence_length`` steps; each sequence starts from the memory
the agent had when it acted there (stored, detached: truncated backpropagation through time) and may cross
episode boundaries, where the cores wipe the memory exactly as they did while acting, so an update replays
the same computation. Minibatches are whole sequences, shuffled; no step is padded or dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
import torch

from rlkit.agents.actor_critic import ActionDistribution, ActionMapper
from rlkit.agents.base import StepResult
from rlkit.agents.on_policy import ExploredRolloutStep
from rlkit.agents.ppo.agent import PPO, PPOBatch
from rlkit.agents.recurrent_actor_critic import ActorCriticState, RecurrentActorCritic
from rlkit.agents.recurrent_ppo.config import RecurrentPPOConfig
from rlkit.nn import RecurrentState, deploy
from rlkit.policy import Policy


class SequenceMemory(NamedTuple):
    """How a recurrent :class:`PPOBatch`'s sequences start (its ``memory``)."""

    #: (L, S) where an episode starts at each step of each sequence.
    episode_starts: torch.Tensor
    #: The actor's, then the critic's state tensors before each sequence, each (layers, S, hidden).
    states: list[torch.Tensor]


def _sequence_memory(batch: PPOBatch) -> SequenceMemory:
    """The :class:`SequenceMemory` a recurrent batch carries."""
    memory = batch.memory
    if not isinstance(memory, SequenceMemory):
        raise TypeError(f"a recurrent PPO batch carries a SequenceMemory, not {type(memory).__name__}")
    return memory


def _flat_steps(tensor: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Sequences ``index`` of an ``(L, S, ...)`` tensor, flattened time-major to ``(L * |index|, ...)``."""
    return tensor[:, index].reshape(-1, *tensor.shape[2:])


class RecurrentPPO(PPO):
    """Recurrent PPO (LSTM or GRU memory, separate cores for actor and critic)."""

    config_class = RecurrentPPOConfig
    config: RecurrentPPOConfig
    policy: RecurrentActorCritic

    def __init__(
        self,
        config: RecurrentPPOConfig,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        sequences = config.n_steps // config.sequence_length
        # The memory each sequence starts from, (sequences, layers, num_envs, hidden) per state tensor.
        self.sequence_states = tuple(
            torch.zeros((sequences, *tensor.shape), device=device)
            for part in self.policy.initial_state(num_envs)
            for tensor in part
        )
        self.episode_starts = torch.zeros((config.n_steps, num_envs), dtype=torch.bool, device=device)
        self._memory: ActorCriticState = self.policy.initial_state(num_envs)
        self._starts = torch.ones(num_envs, dtype=torch.bool, device=device)

    def state_dict(self) -> dict[str, Any]:
        """The on-policy state and the memory every env acts with, so a resumed run goes on mid-episode."""
        state = super().state_dict()
        state["memory"] = [list(part) for part in self._memory]
        state["starts"] = self._starts.clone()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        memory = state.get("memory")
        # Memory of another number of envs (a resume that changed rollout.num_envs) is not carried over:
        # those runs start fresh episodes anyway.
        if memory is not None and state["starts"].shape == self._starts.shape:
            actor, critic = (tuple(tensor.to(self.device) for tensor in part) for part in memory)
            self._memory = (actor, critic)
            self._starts = state["starts"].to(self.device)

    def build_policy(
        self, observation_space: gym.Space[Any], action_space: gym.Space[Any]
    ) -> RecurrentActorCritic:
        config = self.config
        return RecurrentActorCritic(
            observation_space,
            action_space,
            config.network,
            config.memory,
            normalize_observations=config.normalize_observations,
            clip_observations=config.clip_observations,
            log_std_init=config.log_std_init,
            state_dependent_std=config.state_dependent_std,
            squash_actions=config.squash_actions,
        )

    def envs_reset(self, envs: np.ndarray | None = None) -> None:
        super().envs_reset(envs)
        self._starts[slice(None) if envs is None else torch.as_tensor(envs, device=self.device)] = True

    @torch.no_grad()
    def explore(self, obs: np.ndarray, env_steps: int, actions: np.ndarray | None = None) -> np.ndarray:
        raw = self._obs_tensor(obs)
        self.policy.observe(raw)
        obs_t = self.policy.normalize(raw)
        t = self.buffer.step
        if t % self.config.sequence_length == 0:
            flat_memory = [tensor for part in self._memory for tensor in part]
            for stored, tensor in zip(self.sequence_states, flat_memory, strict=True):
                stored[t // self.config.sequence_length] = tensor
        self.episode_starts[t] = self._starts
        dist, values, self._memory = self.policy.forward_sequence(
            obs_t.unsqueeze(0), self._memory, self._starts.unsqueeze(0)
        )
        chosen = self.sample_or_take(dist, actions)
        self._pending = ExploredRolloutStep(obs_t, chosen, dist.log_prob(chosen), values)
        return self.to_env_action(chosen)

    def record(self, step: StepResult) -> None:
        super().record(step)
        self._starts = torch.as_tensor(step.terminated | step.truncated, device=self.device)

    @torch.no_grad()
    def bootstrap_values(self, next_obs: torch.Tensor, envs: torch.Tensor | None = None) -> torch.Tensor:
        critic_memory = self._memory[1]
        if envs is not None:
            critic_memory = tuple(tensor[:, envs] for tensor in critic_memory)
        return self.policy.value_sequence(next_obs.unsqueeze(0), critic_memory, None)[0]

    def training_samples(self, advantages: torch.Tensor, returns: torch.Tensor) -> PPOBatch:
        """The rollout as ``(L, S, ...)`` sequences, sequence ``c * N + n`` being steps
        ``[c L, (c + 1) L)`` of env ``n``, with the memory each started from."""
        buffer = self.buffer
        length = self.config.sequence_length
        chunks = buffer.n_steps // length

        def sequences(tensor: torch.Tensor) -> torch.Tensor:  # (T, N, ...) -> (L, C * N, ...)
            rest = tensor.shape[2:]
            return (
                tensor.reshape(chunks, length, buffer.num_envs, *rest)
                .transpose(0, 1)
                .reshape(length, chunks * buffer.num_envs, *rest)
            )

        # (C, layers, N, H) -> (layers, C * N, H), in the same sequence order
        states = [
            state.transpose(0, 1).reshape(state.shape[1], -1, state.shape[-1])
            for state in self.sequence_states
        ]
        return PPOBatch(
            sequences(buffer.obs),
            sequences(buffer.actions),
            sequences(buffer.log_probs),
            sequences(buffer.values),
            sequences(advantages),
            sequences(returns),
            memory=SequenceMemory(sequences(self.episode_starts), states),
        )

    def minibatches(self, samples: PPOBatch) -> Iterator[PPOBatch]:
        """One epoch of shuffled minibatches of whole sequences, per-step fields flattened time-major."""
        starts, states = _sequence_memory(samples)
        count = samples.obs.shape[1]
        per_batch = max(1, self.config.batch_size // self.config.sequence_length)
        order = torch.randperm(count, generator=self.generator, device=self.generator.device).to(self.device)
        for begin in range(0, count, per_batch):
            index = order[begin : begin + per_batch]
            yield PPOBatch(
                samples.obs[:, index],
                _flat_steps(samples.actions, index),
                _flat_steps(samples.old_log_probs, index),
                _flat_steps(samples.old_values, index),
                _flat_steps(samples.advantages, index),
                _flat_steps(samples.returns, index),
                memory=SequenceMemory(starts[:, index], [state[:, index] for state in states]),
            )

    def evaluate_batch(self, batch: PPOBatch) -> tuple[ActionDistribution, torch.Tensor]:
        starts, states = _sequence_memory(batch)
        dist, values, _ = self.policy.forward_sequence(batch.obs, self._unflatten(states), starts)
        return dist, values

    def _unflatten(self, states: list[torch.Tensor]) -> ActorCriticState:
        """``[actor tensors..., critic tensors...]`` back into the actor's and the critic's state."""
        half = len(states) // 2
        return tuple(states[:half]), tuple(states[half:])

    def deployable_policy(self) -> deploy.DeployablePolicy:
        """One step of the actor with explicit state, ``(obs, h[, c], episode_start) -> (env action, next_h[,
        next_c])``: the frozen normalization, the actor's encoder and core, the policy head's mode and the
        action mapping. Nothing here is for distillation, which fits feed-forward policies only."""
        network = deploy.deployable_copy(self.policy)
        squash = self.to_env_action.squash
        core = network.actor_core
        module = deploy.RecurrentPolicy(
            deploy.ObservationPreprocessor(network.obs_normalizer, network.actor_dim),
            network.actor_encoder,
            core.rnn,
            deploy.MemoryHead(network.policy_head, greedy=False),
            deploy.EnvActionMapping(self.action_space, squash),
        )
        spec = self.deploy_spec("recurrent_actor_critic", squash, deploy.state_specs(core))
        return deploy.DeployablePolicy(module, spec)

    def make_policy(self, deterministic: bool = True) -> Policy:
        return RecurrentPolicy(
            self.policy, self._obs_tensor, self.to_env_action, deterministic, self.generator
        )


class RecurrentPolicy:
    """The actor of a :class:`RecurrentActorCritic` with its own memory, for evaluation and videos.

    The memory is sized by the first batch of observations; ``episode_starts`` wipes it per env.
    """

    def __init__(
        self,
        network: RecurrentActorCritic,
        to_tensor: Callable[[np.ndarray], torch.Tensor],
        to_env_action: ActionMapper,
        deterministic: bool,
        generator: torch.Generator,
    ) -> None:
        self.network = network
        self.to_tensor = to_tensor
        self.to_env_action = to_env_action
        self.deterministic = deterministic
        self.generator = generator
        self.memory: RecurrentState | None = None

    @torch.no_grad()
    def __call__(self, obs: np.ndarray, episode_starts: np.ndarray) -> np.ndarray:
        obs_t = self.network.normalize(self.to_tensor(obs))
        if self.memory is None or self.memory[0].shape[1] != obs_t.shape[0]:
            self.memory = self.network.actor_core.initial_state(obs_t.shape[0], obs_t.device)
        starts = torch.as_tensor(np.asarray(episode_starts, dtype=bool), device=obs_t.device)
        dist, self.memory = self.network.distribution_sequence(
            obs_t.unsqueeze(0), self.memory, starts.unsqueeze(0)
        )
        return self.to_env_action(dist.mode() if self.deterministic else dist.sample(self.generator))
