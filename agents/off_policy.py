"""What the off-policy actor-critic agents share: replay, warm-up, the update-to-data ratio and checkpoints.

An :class:`OffPolicyActorCritic` acts in a 1-D bounded Box action space through an actor with twin Q critics
(:class:`TwinQCritic`) and a Polyak-averaged copy of them. It stores every transition in a
:class:`ReplayBuffer`, acts uniformly at random for ``learning_starts`` env steps and then runs
``gradient_steps`` gradient steps per ``train_freq`` env steps. Subclasses (SAC, TD3) build the actor,
choose its exploration and deterministic actions and implement one gradient step.
"""

from __future__ import annotations

import copy
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from rlkit.agents.actor_critic import ActionMapper, flatten_observation, is_privileged_space, privileged_parts
from rlkit.agents.base import Agent, ExploredTransition, StepResult, load_generator_state
from rlkit.agents.off_policy_config import OffPolicyConfig
from rlkit.agents.q_critics import TwinQCritic
from rlkit.agents.spaces import space_dtype, space_shape
from rlkit.agents.train_frequency import TrainFrequency
from rlkit.buffers.replay_buffer import ReplayBuffer
from rlkit.errors import RlkitError
from rlkit.nn.deploy import (
    DeployablePolicy,
    EnvActionMapping,
    FeedForwardPolicy,
    ObservationPreprocessor,
    OffPolicyActor,
    deployable_copy,
)
from rlkit.nn.state_mismatch import load_module_states
from rlkit.optim import build_lr_schedule, build_optimizer, clip_gradients, set_learning_rate
from rlkit.seeding import seeded_generator, seeded_torch_generator, stream_seed


class OffPolicyActorNetwork(nn.Module):
    """An off-policy actor over flat observations: with ``actor_dim`` set it reads only the leading
    ``actor_dim`` columns of a flat ``[policy | privileged]`` observation (None: all of it)."""

    actor_dim: int | None


class OffPolicyActorCritic(Agent):
    """Replay-based actor-critic for continuous actions; the networks' update is the subclass's algorithm.

    The actor's actions live in ``[-1, 1]``, the replay buffer stores them so, and the env receives them
    rescaled to its bounds. For a ``Dict{policy, privileged}`` observation the buffer stores the flat vector
    ``[policy | privileged]``: the critics read all of it, the actor only the ``policy`` columns. All sampling
    (exploration, the update's noise, warm-up actions, replay indices) comes from seeded streams held in the
    checkpoint, so a resumed run continues bit-exactly.
    """

    remote_acting = True
    acting_modules = ("actor",)
    config: OffPolicyConfig
    actor: OffPolicyActorNetwork

    def __init__(
        self,
        config: OffPolicyConfig,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        self.action_dim = int(space_shape(action_space)[0])
        actor_space, critic_space, actor_dim = observation_space, observation_space, None
        parts = privileged_parts(observation_space)
        if parts is not None:
            actor_space, privileged_space = parts
            actor_dim = int(actor_space.shape[0])
            width = actor_dim + int(privileged_space.shape[0])
            critic_space = gym.spaces.Box(-np.inf, np.inf, (width,), np.float32)
        self.obs_space = critic_space  # what the buffer stores and the critics read
        # The actor before the critics: both draw their initial weights from torch's global stream.
        self.actor = self.build_actor(actor_space, actor_dim).to(device)
        self.critic = TwinQCritic(critic_space, self.action_dim, config.network).to(device)
        self.critic_target = copy.deepcopy(self.critic).requires_grad_(False)
        self.actor_parameters = list(self.actor.parameters())
        self.critic_parameters = list(self.critic.parameters())
        self.actor_optimizer = build_optimizer(self.actor_parameters, config)
        self.critic_optimizer = build_optimizer(self.critic_parameters, config)
        self.lr_schedule = build_lr_schedule(config)
        self.to_env_action = ActionMapper(action_space, squash=True)
        self.buffer = ReplayBuffer(
            min(config.buffer_size, max(total_steps, 1)),
            space_shape(critic_space),
            space_dtype(critic_space),
            (self.action_dim,),
            np.dtype(np.float32),
            device,
            stream_seed(seed, "replay"),
        )
        self.generator = seeded_torch_generator(seed, "exploration", device)
        self.rng = seeded_generator(seed, "warmup")
        self.env_steps = 0
        self.train_frequency = TrainFrequency(config.train_freq, config.learning_starts)
        self._pending: ExploredTransition | None = None

    @abstractmethod
    def build_actor(self, actor_space: gym.Space[Any], actor_dim: int | None) -> OffPolicyActorNetwork:
        """The actor over ``actor_space``; with ``actor_dim`` set it reads only the leading ``actor_dim``
        columns of a flat ``[policy | privileged]`` observation."""

    @classmethod
    def check_spaces(cls, observation_space: gym.Space[Any], action_space: gym.Space[Any]) -> None:
        name = cls.config_class.model_fields["name"].default
        if isinstance(action_space, gym.spaces.Discrete):
            raise RlkitError(
                f"agent '{name}' needs a continuous Box action space; the env's is {action_space} "
                "(use dqn or ppo for discrete actions)"
            )
        if not (isinstance(action_space, gym.spaces.Box) and len(action_space.shape) == 1):
            raise RlkitError(f"agent '{name}' acts in 1-D Box action spaces; the env's is {action_space}")
        if not (np.all(np.isfinite(action_space.low)) and np.all(np.isfinite(action_space.high))):
            raise RlkitError(
                f"agent '{name}' needs finite action bounds; the env's action space is {action_space}"
            )
        if isinstance(observation_space, gym.spaces.Dict) and not is_privileged_space(observation_space):
            raise RlkitError(
                f"agent '{name}' reads Box observations or Dict{{policy, privileged}}; "
                f"the env's is {observation_space}"
            )

    def _obs_tensor(self, obs: np.ndarray | dict[str, np.ndarray]) -> torch.Tensor:
        return torch.as_tensor(flatten_observation(obs), dtype=torch.float32, device=self.device)

    @abstractmethod
    def _deterministic_actions(self, obs: torch.Tensor) -> torch.Tensor:
        """The actor's deterministic actions in ``[-1, 1]`` for flat observations."""

    @abstractmethod
    def _explore_actions(self, obs: torch.Tensor) -> torch.Tensor:
        """The actor's exploring actions in ``[-1, 1]`` for flat observations (noise from ``generator``)."""

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        obs_t = self._obs_tensor(obs)
        actions = self._deterministic_actions(obs_t) if deterministic else self._explore_actions(obs_t)
        return self.to_env_action(actions)

    def deployable_policy(self) -> DeployablePolicy:
        """The actor's deterministic action (its output, or its mode), tanh-squashed into ``[-1, 1]`` and
        rescaled to the action bounds. It is fed the ``policy`` part of a privileged observation alone."""
        actor = deployable_copy(self.actor)
        # The actor keeps the leading actor_dim columns of the flat [policy | privileged] vector; the deployed
        # one is given exactly those columns, so it reads its input whole (no slice in the graph).
        actor.actor_dim = None
        mapping = EnvActionMapping(self.action_space, squash=True)
        module = FeedForwardPolicy(ObservationPreprocessor(None, None), OffPolicyActor(actor), mapping)
        return DeployablePolicy(module, self.deploy_spec("off_policy_actor", squash=True))

    @torch.no_grad()
    def explore(self, obs: np.ndarray, env_steps: int, actions: np.ndarray | None = None) -> np.ndarray:
        flat = flatten_observation(obs)
        if actions is not None:  # chosen by a rollout worker's copy
            actions = np.asarray(actions, dtype=np.float32)
        elif env_steps < self.config.learning_starts:
            actions = self.rng.uniform(-1.0, 1.0, (len(flat), self.action_dim)).astype(np.float32)
        else:
            actions = self._explore_actions(self._obs_tensor(flat)).cpu().numpy()
        self._pending = ExploredTransition(flat, actions)
        return self.to_env_action(torch.from_numpy(actions))

    def record(self, step: StepResult) -> None:
        if self._pending is None:
            raise RuntimeError("record() called without a preceding explore()")
        obs, actions = self._pending
        self._pending = None
        # next_obs is the episode's final observation where one ended: truncations bootstrap from it.
        self.buffer.add(obs, actions, step.rewards, flatten_observation(step.next_obs), step.terminated)
        self.env_steps += len(step.rewards)

    def update_due(self, env_steps: int) -> bool:
        return self.train_frequency.periods_due(env_steps) > 0

    def optimizers(self) -> list[torch.optim.Optimizer]:
        """Every optimizer that follows the lr schedule."""
        return [self.actor_optimizer, self.critic_optimizer]

    def update(self, progress: float) -> dict[str, float]:
        cfg = self.config
        periods = self.train_frequency.take(self.env_steps)
        lr = self.lr_schedule(progress)
        for optimizer in self.optimizers():
            set_learning_rate(optimizer, lr)
        metrics = self._run_gradient_steps(periods * cfg.gradient_steps)
        metrics["optim/lr"] = lr
        return metrics

    def _run_gradient_steps(self, steps: int) -> dict[str, float]:
        """``steps`` gradient steps; each metric is the mean over the steps that reported it."""
        sums: dict[str, torch.Tensor] = {}
        counts: dict[str, int] = {}
        for _ in range(steps):
            for key, value in self._gradient_step().items():
                sums[key] = sums.get(key, 0.0) + value
                counts[key] = counts.get(key, 0) + 1
        return {key: float(value) / counts[key] for key, value in sums.items()}

    @abstractmethod
    def _gradient_step(self) -> dict[str, torch.Tensor]:
        """One gradient step on a replayed batch; counts itself in ``gradient_steps_done``; its metrics."""

    def _optimizer_step(
        self, optimizer: torch.optim.Optimizer, parameters: Sequence[nn.Parameter], loss: torch.Tensor
    ) -> None:
        """Descend ``loss`` by one step of ``optimizer``, its gradient norm clipped to ``max_grad_norm``."""
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip_gradients(parameters, self.config.max_grad_norm)
        optimizer.step()

    @contextmanager
    def _frozen_critic(self) -> Iterator[None]:
        """A block in which the critics' weights take no gradients (the actor's loss reads the critics)."""
        # The actor's gradient flows through the critics into the actions, not into the critics' weights.
        self.critic.requires_grad_(False)
        try:
            yield
        finally:
            self.critic.requires_grad_(True)

    def state_dict(self) -> dict[str, Any]:
        """The shared networks, optimizers, random streams, counters and replay; subclasses add their own."""
        return {
            "actor": self.actor.state_dict(),
            "critic": self.critic.state_dict(),
            "critic_target": self.critic_target.state_dict(),
            "actor_optimizer": self.actor_optimizer.state_dict(),
            "critic_optimizer": self.critic_optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "rng": self.rng.bit_generator.state,
            "env_steps": self.env_steps,
            "last_update_step": self.train_frequency.last_update_step,
            "gradient_steps_done": self.gradient_steps_done,
            "replay": self.buffer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        # Strict: every key is one this agent always writes, so a missing one is a wrong checkpoint.
        load_module_states(
            f"{type(self).__name__} network",
            {
                "actor": (self.actor, state.get("actor")),
                "critic": (self.critic, state.get("critic")),
                "critic_target": (self.critic_target, state.get("critic_target")),
            },
        )
        try:
            self.actor_optimizer.load_state_dict(state["actor_optimizer"])
            self.critic_optimizer.load_state_dict(state["critic_optimizer"])
            self._load_learned_state(state)
        except (RuntimeError, KeyError, ValueError) as exc:
            raise RlkitError(
                f"checkpoint does not match this {type(self).__name__} network: {str(exc).splitlines()[0]}"
            ) from None
        load_generator_state(self.generator, state["generator"])
        self.rng.bit_generator.state = state["rng"]
        self.env_steps = int(state["env_steps"])
        self.train_frequency.last_update_step = int(state["last_update_step"])
        self.gradient_steps_done = int(state["gradient_steps_done"])
        self.buffer.load_state_dict(state["replay"])

    @abstractmethod
    def _load_learned_state(self, state: dict[str, Any]) -> None:
        """Restore the subclass's own networks, optimizers and learned coefficients from ``state``; a mismatch
        raises as :meth:`torch.nn.Module.load_state_dict` does and is reported as a wrong checkpoint."""
