"""Deep Q-Network with Double-DQN targets, a replay buffer and a hard or Polyak target network, and the
Rainbow options (dueling heads, n-step returns, prioritized replay, C51 distributional values, noisy nets)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from rlkit.agents.actor_critic import flatten_observation, split_action_mask
from rlkit.agents.base import Agent, ExploredTransition, StepResult, load_generator_state
from rlkit.agents.dqn.config import DQNConfig
from rlkit.agents.dqn.distributional import (
    categorical_loss,
    categorical_support,
    expected_q,
    project_distribution,
)
from rlkit.agents.dqn.losses import q_learning_loss, td_target
from rlkit.agents.spaces import space_dtype, space_shape
from rlkit.agents.train_frequency import TrainFrequency
from rlkit.buffers.frame_replay_buffer import FrameReplayBuffer
from rlkit.buffers.n_step import NStepAccumulator, NStepTransitions
from rlkit.buffers.prioritized_frame_replay_buffer import PrioritizedFrameReplayBuffer
from rlkit.buffers.prioritized_replay_buffer import PrioritizedReplayBuffer
from rlkit.buffers.replay_buffer import ReplayBuffer, TransitionBatch
from rlkit.errors import RlkitError
from rlkit.nn import DuelingQHead, QHead, build_encoder, reset_noise
from rlkit.nn.deploy import (
    DeployablePolicy,
    EnvActionMapping,
    FeedForwardPolicy,
    GreedyQ,
    ObservationPreprocessor,
    deployable_copy,
)
from rlkit.nn.encoders import image_layout
from rlkit.nn.state_mismatch import load_module_states
from rlkit.optim import build_lr_schedule, build_optimizer, clip_gradients, set_learning_rate
from rlkit.seeding import seeded_generator, seeded_torch_generator, stream_seed


class QNetwork(nn.Module):
    """Q(s, ·) for every discrete action: an encoder built from the observation space and a Q head.

    The head is dueling when ``config.dueling``, outputs ``(B, A, num_atoms)`` atom logits when
    ``config.distributional``, and has noisy output layers when ``config.noisy_nets`` (the encoder's layers
    stay deterministic). For a ``Dict{policy, action_mask}`` observation it reads the flat
    ``[policy | action_mask]`` vector, encodes the ``policy`` columns and says which moves are legal
    (:meth:`legal`).
    """

    def __init__(self, observation_space: gym.Space[Any], num_actions: int, config: DQNConfig) -> None:
        super().__init__()
        net = config.network
        observation_space, self.mask_dim = split_action_mask(observation_space)
        self.encoder = build_encoder(
            observation_space,
            hidden_sizes=net.hidden_sizes,
            activation=net.activation,
            layer_norm=net.layer_norm,
            cnn=net.cnn,
        )
        head = DuelingQHead if config.dueling else QHead
        self.head = head(
            self.encoder.output_dim,
            num_actions,
            num_atoms=config.num_atoms if config.distributional else 1,
            noisy_sigma0=config.noisy_sigma0 if config.noisy_nets else None,
        )

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """(B, A) Q-values, or (B, A, num_atoms) atom logits for a distributional network."""
        return self.head(self.encoder(obs[..., : -self.mask_dim] if self.mask_dim else obs))

    def legal(self, obs: torch.Tensor) -> torch.Tensor | None:
        """(B, A) bool, the moves the observations' masks allow (every move of a row with none: its agent
        does not move); None without masks."""
        if not self.mask_dim:
            return None
        legal = obs[..., -self.mask_dim :] > 0.5
        return legal | ~legal.any(dim=-1, keepdim=True)


def legal_only(q: torch.Tensor, legal: torch.Tensor | None) -> torch.Tensor:
    """(B, A) ``q`` with the illegal moves at -inf, so that max and argmax pass them over."""
    return q if legal is None else q.masked_fill(~legal, float("-inf"))


def replay_frames(observation_space: gym.Space[Any], frame_replay: str | bool) -> int | None:
    """Frames per observation for a frame-sharing replay buffer, or None for the plain buffer.

    Every channel plane of a channel-first image is a frame: a stack of ``k`` frames of ``C`` channels
    shares its planes with the neighbouring stacks whatever ``k`` is, so the space need not say it.
    """
    space = observation_space
    image = isinstance(space, gym.spaces.Box) and space.dtype == np.uint8 and len(space.shape) in (2, 3)
    if frame_replay is False or (frame_replay == "auto" and not image):
        return None
    if not image:
        raise RlkitError(f"agent.frame_replay=true needs uint8 image observations; the env's are {space}")
    assert isinstance(space, gym.spaces.Box)  # what `image` says
    return space.shape[0] if image_layout(space.shape) == "chw" else 1


def linear_epsilon(progress: float, initial: float, final: float, fraction: float) -> float:
    """Epsilon decaying linearly from ``initial`` to ``final`` over the first ``fraction`` of training."""
    if fraction <= 0 or progress >= fraction:
        return final
    return initial + (final - initial) * progress / fraction


class DQN(Agent):
    """DQN for discrete actions, with the Rainbow components as config switches.

    With ``noisy_nets`` the noise of the online network is resampled (from the agent's own seeded torch
    generator) at every :meth:`explore` call and before every gradient step, where the target network's is
    resampled too; epsilon-greedy is off (epsilon 0) because the noise explores (actions are uniform only
    during the ``learning_starts`` warm-up), and the deterministic policy of :meth:`act` uses the noise-free
    mean weights. With ``n_step > 1`` transitions enter the replay
    buffer once their n rewards (or their episode's end) are known. ``uint8`` image observations (frame
    stacks) go into a :class:`FrameReplayBuffer`, which stores each frame once (``frame_replay``).
    """

    config_class = DQNConfig
    remote_acting = True
    acting_modules = ("q_network",)
    config: DQNConfig

    def __init__(
        self,
        config: DQNConfig,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        assert isinstance(action_space, gym.spaces.Discrete)  # check_spaces refused any other
        self.num_actions = int(action_space.n)
        inner, mask_dim = split_action_mask(observation_space)
        if mask_dim:  # stored and fed as one flat [policy | action_mask] vector
            assert isinstance(inner, gym.spaces.Box)  # check_spaces refused any other
            width = int(inner.shape[0]) + mask_dim
            observation_space = gym.spaces.Box(-np.inf, np.inf, (width,), np.float32)
        self.q_network = QNetwork(self.observation_space, self.num_actions, config).to(device)
        self.target_network = QNetwork(self.observation_space, self.num_actions, config).to(device)
        self.target_network.load_state_dict(self.q_network.state_dict())
        self.target_network.requires_grad_(False)
        self.parameters = list(self.q_network.parameters())
        self.optimizer = build_optimizer(self.parameters, config)
        self.lr_schedule = build_lr_schedule(config)
        obs_shape, obs_dtype = space_shape(observation_space), space_dtype(observation_space)
        action_dtype = np.dtype(np.int64)
        buffer_args = (
            min(config.buffer_size, max(total_steps, 1)),
            obs_shape,
            obs_dtype,
            (),
            action_dtype,
            device,
            stream_seed(seed, "replay"),
        )
        frames = replay_frames(observation_space, config.frame_replay)
        alpha, eps = config.priority_alpha, config.priority_eps
        if frames is None:
            self.buffer: ReplayBuffer = (
                PrioritizedReplayBuffer(*buffer_args, alpha=alpha, eps=eps)
                if config.prioritized_replay
                else ReplayBuffer(*buffer_args)
            )
        else:
            self.buffer = (
                PrioritizedFrameReplayBuffer(*buffer_args, frames_per_obs=frames, alpha=alpha, eps=eps)
                if config.prioritized_replay
                else FrameReplayBuffer(*buffer_args, frames_per_obs=frames)
            )
        self.n_step = (
            NStepAccumulator(
                num_envs,
                config.n_step,
                config.gamma,
                obs_shape,
                obs_dtype,
                (),
                action_dtype,
            )
            if config.n_step > 1
            else None
        )
        self.support = (
            categorical_support(config.v_min, config.v_max, config.num_atoms, device)
            if config.distributional
            else None
        )
        self.noise_generator: torch.Generator | None = None
        if config.noisy_nets:
            self.noise_generator = seeded_torch_generator(seed, "noisy_nets", device)
            reset_noise(self.q_network, self.noise_generator)
            reset_noise(self.target_network, self.noise_generator)
        self.rng = seeded_generator(seed, "exploration")
        self.env_steps = 0
        self.train_frequency = TrainFrequency(config.train_freq, config.learning_starts)
        self.last_target_step = 0
        self.epsilon = 0.0 if config.noisy_nets else config.exploration_initial_eps
        self.beta = config.priority_beta_start
        self._pending: ExploredTransition | None = None

    @classmethod
    def check_spaces(cls, observation_space: gym.Space[Any], action_space: gym.Space[Any]) -> None:
        if not isinstance(action_space, gym.spaces.Discrete):
            raise RlkitError(
                f"agent 'dqn' needs a Discrete action space; the env's is {action_space} "
                "(use a policy-gradient agent such as ppo for continuous actions)"
            )
        inner, _ = split_action_mask(observation_space)
        if isinstance(inner, gym.spaces.Dict) or (
            isinstance(observation_space, gym.spaces.Dict) and len(inner.shape or ()) != 1
        ):
            raise RlkitError(
                "agent 'dqn' reads Box observations (or Dict{policy, action_mask} of a 1-D Box); the env's "
                f"is {observation_space} (a privileged observation is for ppo's asymmetric critic)"
            )

    def _q_values(self, network: QNetwork, obs: torch.Tensor) -> torch.Tensor:
        """(B, A) Q-values (the expected value of the atoms for a distributional network)."""
        out = network(obs)
        return out if self.support is None else expected_q(out, self.support)

    @torch.no_grad()
    def _greedy(self, obs: np.ndarray, noisy: bool = True) -> np.ndarray:
        # Noisy layers use their mean weights in eval mode; nothing else in the network depends on the mode.
        self.q_network.train(noisy)
        try:
            obs_t = torch.as_tensor(obs, dtype=torch.float32, device=self.device)
            q = legal_only(self._q_values(self.q_network, obs_t), self.q_network.legal(obs_t))
        finally:
            self.q_network.train(True)
        return q.argmax(dim=1).cpu().numpy()

    def _random_moves(self, obs: np.ndarray) -> np.ndarray:
        """A uniformly random legal move per observation (any move without masks)."""
        if not self.q_network.mask_dim:
            return self.rng.integers(0, self.num_actions, size=len(obs))
        masks = np.asarray(obs)[:, -self.q_network.mask_dim :] > 0.5
        legal = masks | ~masks.any(axis=1, keepdims=True)
        return np.argmax(np.where(legal, self.rng.random(legal.shape), -1.0), axis=1)

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        obs = flatten_observation(obs)
        actions = self._greedy(obs, noisy=not deterministic)
        if not deterministic and not self.config.noisy_nets:
            explore = self.rng.random(len(actions)) < self.epsilon
            actions[explore] = self._random_moves(obs[explore])
        return actions

    def deployable_policy(self) -> DeployablePolicy:
        """The greedy policy as ``obs -> action index``: the Q-network (noisy layers with their mean weights),
        the expected value of the atoms for a distributional one, then argmax."""
        greedy = GreedyQ(deployable_copy(self.q_network), self.support, self.q_network.mask_dim)
        module = FeedForwardPolicy(
            ObservationPreprocessor(None, None), greedy, EnvActionMapping(self.action_space, False)
        )
        return DeployablePolicy(module, self.deploy_spec("dqn"))

    def explore(self, obs: np.ndarray, env_steps: int, actions: np.ndarray | None = None) -> np.ndarray:
        obs = flatten_observation(obs)  # a masked game's [policy | action_mask]
        if actions is not None:  # chosen by a rollout worker's copy: nothing to compute here
            self._pending = ExploredTransition(obs, np.asarray(actions, dtype=np.int64))
            return self._pending.actions
        cfg = self.config
        if cfg.noisy_nets:
            if env_steps < cfg.learning_starts:
                # Uniform warm-up: output-layer noise alone can leave an action untried for good.
                actions = self._random_moves(obs)
            else:
                reset_noise(self.q_network, self.noise_generator)
                actions = self._greedy(obs)
            self._pending = ExploredTransition(obs, actions)
            return actions
        self.epsilon = linear_epsilon(
            env_steps / self.total_steps,
            cfg.exploration_initial_eps,
            cfg.exploration_final_eps,
            cfg.exploration_fraction,
        )
        random_actions = self._random_moves(obs)
        explore = self.rng.random(len(obs)) < self.epsilon
        # Skip the network entirely while every env explores (the whole warm-up phase).
        actions = random_actions if explore.all() else np.where(explore, random_actions, self._greedy(obs))
        self._pending = ExploredTransition(obs, actions)
        return actions

    def record(self, step: StepResult) -> None:
        if self._pending is None:
            raise RuntimeError("record() called without a preceding explore()")
        obs, actions = self._pending
        self._pending = None
        next_obs = flatten_observation(step.next_obs)
        if self.n_step is None:
            self.buffer.add(obs, actions, step.rewards, next_obs, step.terminated)
        else:
            ready = self.n_step.push(obs, actions, step.rewards, next_obs, step.terminated, step.truncated)
            self._store(ready)
        self.env_steps += len(step.rewards)
        if self.env_steps - self.last_target_step >= self.config.target_update_interval:
            self.last_target_step = self.env_steps
            self._update_target()

    def _store(self, transitions: NStepTransitions) -> None:
        if len(transitions):
            t = transitions
            self.buffer.add(t.obs, t.actions, t.returns, t.next_obs, t.terminated, t.steps)

    def envs_reset(self, envs: np.ndarray | None = None) -> None:
        """Close those envs' pending n-step windows as truncated: their episodes will not continue."""
        if self.n_step is not None:
            self._store(self.n_step.flush(envs))

    @torch.no_grad()
    def _update_target(self) -> None:
        tau = self.config.tau
        if tau >= 1.0:
            self.target_network.load_state_dict(self.q_network.state_dict())
            return
        for target, online in zip(self.target_network.parameters(), self.q_network.parameters(), strict=True):
            target.lerp_(online, tau)

    def update_due(self, env_steps: int) -> bool:
        return self.train_frequency.periods_due(env_steps) > 0

    def update(self, progress: float) -> dict[str, float]:
        cfg = self.config
        steps = self.train_frequency.take(self.env_steps) * cfg.gradient_steps
        set_learning_rate(self.optimizer, self.lr_schedule(progress))
        self.beta = cfg.priority_beta_start + (1.0 - cfg.priority_beta_start) * progress
        loss_sum = torch.zeros((), device=self.device)
        q_sum = torch.zeros((), device=self.device)
        for _ in range(steps):
            if isinstance(self.buffer, PrioritizedReplayBuffer):
                batch = self.buffer.sample(cfg.batch_size, self.beta)
            else:
                batch = self.buffer.sample(cfg.batch_size)
            if cfg.noisy_nets:
                reset_noise(self.q_network, self.noise_generator)
                reset_noise(self.target_network, self.noise_generator)
            loss, q_mean, priorities = (
                self._distributional_loss(batch) if self.support is not None else self._td_loss(batch)
            )
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            clip_gradients(self.parameters, cfg.max_grad_norm)
            self.optimizer.step()
            self.gradient_steps_done += 1
            if isinstance(self.buffer, PrioritizedReplayBuffer):
                assert batch.indices is not None  # a prioritized batch names the slots it sampled
                self.buffer.update_priorities(batch.indices, priorities.cpu().numpy())
            loss_sum += loss.detach()
            q_sum += q_mean
        metrics = {
            "loss/td": float(loss_sum) / steps,
            "value/q_mean": float(q_sum) / steps,
            "explore/epsilon": self.epsilon,
            "optim/lr": float(self.optimizer.param_groups[0]["lr"]),
        }
        if cfg.prioritized_replay:
            metrics["replay/beta"] = self.beta
        return metrics

    def _discounts(self, batch: TransitionBatch) -> float | torch.Tensor:
        """γ, or γ^k per transition when transitions sum k rewards."""
        return self.config.gamma if self.n_step is None else self.config.gamma**batch.steps

    def _td_loss(self, batch: TransitionBatch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, mean Q, |TD error|) for scalar Q-values."""
        cfg = self.config
        with torch.no_grad():
            legal = self.q_network.legal(batch.next_obs)  # max and argmax over the next legal moves
            next_q_target = legal_only(self.target_network(batch.next_obs), legal)
            next_q_online = (
                legal_only(self.q_network(batch.next_obs), legal) if cfg.double_q else next_q_target
            )
            target = td_target(
                batch.rewards,
                next_q_online,
                next_q_target,
                batch.terminated,
                self._discounts(batch),
                cfg.double_q,
            )
        q_taken = self.q_network(batch.obs).gather(1, batch.actions.long().unsqueeze(1)).squeeze(1)
        loss, info = q_learning_loss(q_taken, target, cfg.loss, batch.weights)
        return loss, info["q_mean"], info["td_error"].abs()

    def _distributional_loss(self, batch: TransitionBatch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, mean Q, cross-entropy) for C51 atom distributions."""
        cfg = self.config
        support = self.support
        assert support is not None
        with torch.no_grad():
            next_logits_target = self.target_network(batch.next_obs)
            next_q = expected_q(
                self.q_network(batch.next_obs) if cfg.double_q else next_logits_target, support
            )
            best = legal_only(next_q, self.q_network.legal(batch.next_obs)).argmax(dim=1)
            next_probs = next_logits_target[torch.arange(len(best)), best].softmax(dim=-1)
            discounts = self._discounts(batch) * (1.0 - batch.terminated)
            target_probs = project_distribution(next_probs, batch.rewards, discounts, support)
        logits = self.q_network(batch.obs)
        logits_taken = logits[torch.arange(len(best)), batch.actions.long()]
        loss, info = categorical_loss(logits_taken, target_probs, batch.weights)
        q_mean = expected_q(logits_taken.detach(), support).mean()
        return loss, q_mean, info["cross_entropy"]

    def state_dict(self) -> dict[str, Any]:
        state = {
            "q_network": self.q_network.state_dict(),
            "target_network": self.target_network.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "rng": self.rng.bit_generator.state,
            "env_steps": self.env_steps,
            "last_update_step": self.train_frequency.last_update_step,
            "gradient_steps_done": self.gradient_steps_done,
            "last_target_step": self.last_target_step,
            "epsilon": self.epsilon,
            "beta": self.beta,
            "replay": self.buffer.state_dict(),
        }
        if self.n_step is not None:
            state["n_step"] = self.n_step.state_dict()
        if self.noise_generator is not None:
            state["noise_generator"] = self.noise_generator.get_state()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        load_module_states(
            "DQN network",
            {
                "q_network": (self.q_network, state.get("q_network")),
                "target_network": (self.target_network, state.get("target_network", state.get("q_network"))),
            },
        )
        if "optimizer" in state:
            self.optimizer.load_state_dict(state["optimizer"])
        if "rng" in state:
            self.rng.bit_generator.state = state["rng"]
        self.env_steps = int(state.get("env_steps", 0))
        self.train_frequency.last_update_step = int(state.get("last_update_step", 0))
        self.gradient_steps_done = int(state.get("gradient_steps_done", 0))
        self.last_target_step = int(state.get("last_target_step", 0))
        self.epsilon = float(state.get("epsilon", self.config.exploration_final_eps))
        self.beta = float(state.get("beta", self.config.priority_beta_start))
        if "replay" in state:
            self.buffer.load_state_dict(state["replay"])
        if self.n_step is not None and "n_step" in state:
            self.n_step.load_state_dict(state["n_step"])
        if self.noise_generator is not None and "noise_generator" in state:
            load_generator_state(self.noise_generator, state["noise_generator"])
