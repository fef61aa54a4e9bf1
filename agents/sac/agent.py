"""Soft Actor-Critic (Haarnoja et al., 2018) for continuous actions: twin Q critics with Polyak-averaged
targets, a tanh-squashed Gaussian actor and automatic entropy tuning, optionally asymmetric (privileged
critic observations)."""

from __future__ import annotations

import copy
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from agents.actor_critic import ActionMapper, flatten_privileged, is_privileged_space
from agents.base import Agent, StepResult
from agents.sac.config import SACConfig
from agents.sac.losses import actor_loss, critic_loss, entropy_coef_loss, soft_q_target
from rlkit.config.schema import NetworkConfig
from rlkit.errors import RlkitError
from rlkit.nn import MLP, GaussianHead, build_encoder
from rlkit.nn.distributions import DiagGaussian
from rlkit.optim import build_lr_schedule, build_optimizer, clip_gradients, set_learning_rate
from rlkit.rollout.replay_buffer import ReplayBuffer


class SquashedGaussianActor(nn.Module):
    """π(a|s): an encoder and a Gaussian head with state-dependent, clamped log std, squashed by ``tanh``.

    Actions are in ``(-1, 1)``. With ``actor_dim`` set the actor reads only the leading ``actor_dim``
    columns of a flat ``[policy | privileged]`` observation.
    """

    def __init__(
        self,
        observation_space: gym.Space,
        action_dim: int,
        network: NetworkConfig,
        log_std_bounds: tuple[float, float],
        actor_dim: int | None = None,
    ) -> None:
        super().__init__()
        self.actor_dim = actor_dim
        self.encoder = build_encoder(
            observation_space,
            hidden_sizes=network.hidden_sizes,
            activation=network.activation,
            layer_norm=network.layer_norm,
            cnn=network.cnn,
        )
        self.head = GaussianHead(
            self.encoder.output_dim,
            action_dim,
            state_dependent_std=True,
            squash=True,
            log_std_bounds=log_std_bounds,
        )

    def forward(self, obs: torch.Tensor) -> DiagGaussian:
        """π(·|s) for a batch of (flat) observations."""
        if self.actor_dim is not None:
            obs = obs[..., : self.actor_dim]
        return self.head(self.encoder(obs))


class QCritic(nn.Module):
    """Q(s, a): an MLP over ``[encoded observation, action]`` (the encoder is the identity for vectors)."""

    def __init__(self, observation_space: gym.Space, action_dim: int, network: NetworkConfig) -> None:
        super().__init__()
        self.encoder = build_encoder(observation_space, hidden_sizes=(), cnn=network.cnn)
        self.mlp = MLP(
            self.encoder.output_dim + action_dim,
            network.hidden_sizes,
            activation=network.activation,
            layer_norm=network.layer_norm,
            output_dim=1,
        )

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """(B,) Q-values."""
        return self.mlp(torch.cat([self.encoder(obs), actions], dim=-1)).squeeze(-1)


class TwinQCritic(nn.Module):
    """Two independently initialized critics; SAC bootstraps from the smaller of their values."""

    def __init__(self, observation_space: gym.Space, action_dim: int, network: NetworkConfig) -> None:
        super().__init__()
        self.q1 = QCritic(observation_space, action_dim, network)
        self.q2 = QCritic(observation_space, action_dim, network)

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both critics' (B,) Q-values."""
        return self.q1(obs, actions), self.q2(obs, actions)


class SAC(Agent):
    """SAC with ``gradient_steps`` updates per ``train_freq`` env steps after ``learning_starts`` steps of
    uniform random actions.

    The actor's actions live in ``[-1, 1]``, the replay buffer stores them so, and the env receives them
    rescaled to its bounds. For a ``Dict{policy, privileged}`` observation the buffer stores the flat vector
    ``[policy | privileged]``: the critics read all of it, the actor only the ``policy`` columns. All sampling
    (exploration, the actor's reparameterized samples in updates, warm-up actions, replay indices) comes from
    seeded streams held in the checkpoint, so a resumed run continues bit-exactly.
    """

    config_class = SACConfig
    description = "soft actor-critic: twin critics, squashed Gaussian actor, auto entropy (Box actions)"
    config: SACConfig

    def __init__(
        self,
        config: SACConfig,
        observation_space: gym.Space,
        action_space: gym.Space,
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        self.action_dim = int(action_space.shape[0])
        actor_space, critic_space, actor_dim = observation_space, observation_space, None
        if is_privileged_space(observation_space):
            actor_space = observation_space["policy"]
            actor_dim = int(actor_space.shape[0])
            width = actor_dim + int(observation_space["privileged"].shape[0])
            critic_space = gym.spaces.Box(-np.inf, np.inf, (width,), np.float32)
        self.obs_space = critic_space  # what the buffer stores and the critics read
        bounds = (config.log_std_min, config.log_std_max)
        self.actor = SquashedGaussianActor(actor_space, self.action_dim, config.network, bounds, actor_dim)
        self.actor.to(device)
        self.critic = TwinQCritic(critic_space, self.action_dim, config.network).to(device)
        self.critic_target = copy.deepcopy(self.critic).requires_grad_(False)
        self.actor_parameters = list(self.actor.parameters())
        self.critic_parameters = list(self.critic.parameters())
        self.actor_optimizer = build_optimizer(self.actor_parameters, config)
        self.critic_optimizer = build_optimizer(self.critic_parameters, config)
        self.auto_entropy = config.ent_coef == "auto"
        initial = config.ent_coef_init if self.auto_entropy else float(config.ent_coef)
        # log α for a fixed coefficient too, so that both cases checkpoint the same way; ln 0 is -inf.
        self.log_alpha = torch.full((1,), float(np.log(initial)) if initial > 0 else -np.inf, device=device)
        self.target_entropy = (
            float(config.target_entropy) if config.target_entropy is not None else -float(self.action_dim)
        )
        self.ent_optimizer: torch.optim.Optimizer | None = None
        if self.auto_entropy:
            self.log_alpha.requires_grad_(True)
            self.ent_optimizer = build_optimizer([self.log_alpha], config)
        self.lr_schedule = build_lr_schedule(config)
        self.to_env_action = ActionMapper(action_space, squash=True)
        self.buffer = ReplayBuffer(
            min(config.buffer_size, max(total_steps, 1)),
            critic_space.shape,
            critic_space.dtype,
            (self.action_dim,),
            np.float32,
            device,
            seed,
        )
        self.generator = torch.Generator(device=device)
        self.generator.manual_seed(seed + 2)
        self.rng = np.random.default_rng(seed + 1)
        self.env_steps = 0
        self.last_update_step = 0
        self.gradient_steps_done = 0
        self._pending: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def check_spaces(cls, observation_space: gym.Space, action_space: gym.Space) -> None:
        if isinstance(action_space, gym.spaces.Discrete):
            raise RlkitError(
                f"agent 'sac' needs a continuous Box action space; the env's is {action_space} "
                "(use dqn or ppo for discrete actions)"
            )
        if not (isinstance(action_space, gym.spaces.Box) and len(action_space.shape) == 1):
            raise RlkitError(f"agent 'sac' acts in 1-D Box action spaces; the env's is {action_space}")
        if not (np.all(np.isfinite(action_space.low)) and np.all(np.isfinite(action_space.high))):
            raise RlkitError(
                f"agent 'sac' needs finite action bounds; the env's action space is {action_space}"
            )
        if isinstance(observation_space, gym.spaces.Dict) and not is_privileged_space(observation_space):
            raise RlkitError(
                "agent 'sac' reads Box observations or Dict{policy, privileged}; "
                f"the env's is {observation_space}"
            )

    @property
    def alpha(self) -> torch.Tensor:
        """The entropy coefficient α (not differentiated)."""
        return self.log_alpha.detach().exp()

    def _obs_tensor(self, obs: np.ndarray | dict[str, np.ndarray]) -> torch.Tensor:
        return torch.as_tensor(flatten_privileged(obs), dtype=torch.float32, device=self.device)

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        dist = self.actor(self._obs_tensor(obs))
        return self.to_env_action(dist.mode() if deterministic else dist.sample(self.generator))

    @torch.no_grad()
    def explore(self, obs: np.ndarray, env_steps: int) -> np.ndarray:
        flat = flatten_privileged(obs)
        if env_steps < self.config.learning_starts:
            actions = self.rng.uniform(-1.0, 1.0, (len(flat), self.action_dim)).astype(np.float32)
        else:
            actions = self.actor(self._obs_tensor(flat)).sample(self.generator).cpu().numpy()
        self._pending = (flat, actions)
        return self.to_env_action(torch.from_numpy(actions))

    def record(self, step: StepResult) -> None:
        if self._pending is None:
            raise RuntimeError("record() called without a preceding explore()")
        obs, actions = self._pending
        self._pending = None
        # next_obs is the episode's final observation where one ended: truncations bootstrap from it.
        self.buffer.add(obs, actions, step.rewards, flatten_privileged(step.next_obs), step.terminated)
        self.env_steps += len(step.rewards)

    def _update_anchor(self) -> int:
        """Env step from which train_freq periods are counted: the first update comes at learning_starts."""
        return max(self.last_update_step, self.config.learning_starts - self.config.train_freq)

    def update_due(self, env_steps: int) -> bool:
        cfg = self.config
        return env_steps >= cfg.learning_starts and env_steps - self._update_anchor() >= cfg.train_freq

    def update(self, progress: float) -> dict[str, float]:
        cfg = self.config
        # Several envs can add more than train_freq steps between calls: keep gradient_steps per train_freq.
        periods = max((self.env_steps - self._update_anchor()) // cfg.train_freq, 1)
        self.last_update_step = self._update_anchor() + periods * cfg.train_freq
        lr = self.lr_schedule(progress)
        optimizers = [self.actor_optimizer, self.critic_optimizer, self.ent_optimizer]
        for optimizer in optimizers:
            if optimizer is not None:
                set_learning_rate(optimizer, lr)
        steps = periods * cfg.gradient_steps
        sums: dict[str, torch.Tensor] = {}
        for _ in range(steps):
            for key, value in self._gradient_step().items():
                sums[key] = sums.get(key, 0.0) + value
        metrics = {key: float(value) / steps for key, value in sums.items()}
        metrics["optim/lr"] = lr
        return metrics

    def _gradient_step(self) -> dict[str, torch.Tensor]:
        """One SAC step (the entropy coefficient, then the critics, then the actor), as Stable-Baselines3."""
        cfg = self.config
        batch = self.buffer.sample(cfg.batch_size)
        actions_pi, log_probs = self.actor(batch.obs).sample_with_log_prob(self.generator)
        metrics: dict[str, torch.Tensor] = {}
        alpha = self.alpha  # the value before this step's entropy update, for both losses
        if self.ent_optimizer is not None:
            ent_loss, _ = entropy_coef_loss(self.log_alpha, log_probs, self.target_entropy)
            self.ent_optimizer.zero_grad(set_to_none=True)
            ent_loss.backward()
            self.ent_optimizer.step()
            metrics["loss/ent_coef"] = ent_loss.detach()

        with torch.no_grad():
            next_actions, next_log_probs = self.actor(batch.next_obs).sample_with_log_prob(self.generator)
            next_q1, next_q2 = self.critic_target(batch.next_obs, next_actions)
            target = soft_q_target(
                batch.rewards, next_q1, next_q2, next_log_probs, batch.terminated, cfg.gamma, alpha
            )
        q1, q2 = self.critic(batch.obs, batch.actions)
        q_loss, q_info = critic_loss(q1, q2, target)
        self.critic_optimizer.zero_grad(set_to_none=True)
        q_loss.backward()
        clip_gradients(self.critic_parameters, cfg.max_grad_norm)
        self.critic_optimizer.step()

        # The actor's gradient flows through the critics into the actions, not into the critics' weights.
        self.critic.requires_grad_(False)
        try:
            q1_pi, q2_pi = self.critic(batch.obs, actions_pi)
        finally:
            self.critic.requires_grad_(True)
        pi_loss, pi_info = actor_loss(log_probs, q1_pi, q2_pi, alpha)
        self.actor_optimizer.zero_grad(set_to_none=True)
        pi_loss.backward()
        clip_gradients(self.actor_parameters, cfg.max_grad_norm)
        self.actor_optimizer.step()

        self.gradient_steps_done += 1
        if self.gradient_steps_done % cfg.target_update_interval == 0:
            self._update_target()
        metrics.update(
            {
                "loss/critic": q_loss.detach(),
                "loss/actor": pi_loss.detach(),
                "value/q_mean": q_info["q_mean"],
                "policy/entropy": pi_info["entropy"],
                "policy/ent_coef": alpha.squeeze(0),
            }
        )
        return metrics

    @torch.no_grad()
    def _update_target(self) -> None:
        # One fused call over every tensor: a Python loop of lerp_ calls costs more than the arithmetic.
        torch._foreach_lerp_(
            list(self.critic_target.parameters()), list(self.critic.parameters()), self.config.tau
        )

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "actor": self.actor.state_dict(),
            "critic": self.critic.state_dict(),
            "critic_target": self.critic_target.state_dict(),
            "actor_optimizer": self.actor_optimizer.state_dict(),
            "critic_optimizer": self.critic_optimizer.state_dict(),
            "log_alpha": self.log_alpha.detach().clone(),
            "generator": self.generator.get_state(),
            "rng": self.rng.bit_generator.state,
            "env_steps": self.env_steps,
            "last_update_step": self.last_update_step,
            "gradient_steps_done": self.gradient_steps_done,
            "replay": self.buffer.state_dict(),
        }
        if self.ent_optimizer is not None:
            state["ent_optimizer"] = self.ent_optimizer.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        try:
            self.actor.load_state_dict(state["actor"])
            self.critic.load_state_dict(state["critic"])
            self.critic_target.load_state_dict(state["critic_target"])
            self.actor_optimizer.load_state_dict(state["actor_optimizer"])
            self.critic_optimizer.load_state_dict(state["critic_optimizer"])
            if self.ent_optimizer is not None:
                self.ent_optimizer.load_state_dict(state["ent_optimizer"])
            with torch.no_grad():
                self.log_alpha.copy_(state["log_alpha"])
        except (RuntimeError, KeyError, ValueError) as exc:
            raise RlkitError(
                f"checkpoint does not match this SAC network: {str(exc).splitlines()[0]}"
            ) from None
        self.generator.set_state(state["generator"])
        self.rng.bit_generator.state = state["rng"]
        self.env_steps = int(state["env_steps"])
        self.last_update_step = int(state["last_update_step"])
        self.gradient_steps_done = int(state["gradient_steps_done"])
        self.buffer.load_state_dict(state["replay"])
