"""Twin Delayed DDPG (Fujimoto et al., 2018) for continuous actions: a deterministic actor, twin Q critics
with a clipped double-Q target, target policy smoothing and delayed actor updates, with Polyak-averaged
targets for the actor and the critics, optionally asymmetric (privileged critic observations)."""

from __future__ import annotations

import copy
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from agents.actor_critic import ActionMapper, flatten_privileged, is_privileged_space
from agents.base import Agent, StepResult
from agents.sac.agent import TwinQCritic
from agents.sac.losses import critic_loss
from agents.td3.config import TD3Config
from agents.td3.losses import clipped_double_q_target, deterministic_actor_loss, smoothed_target_actions
from rlkit.config.schema import NetworkConfig
from rlkit.errors import RlkitError
from rlkit.nn import build_encoder
from rlkit.nn.heads import POLICY_OUTPUT_GAIN
from rlkit.nn.init import orthogonal_init
from rlkit.optim import build_lr_schedule, build_optimizer, clip_gradients, set_learning_rate
from rlkit.rollout.replay_buffer import ReplayBuffer


class DeterministicActor(nn.Module):
    """μ(s): an encoder and a linear layer squashed by ``tanh``, so actions are in ``(-1, 1)``.

    The output layer starts tiny (gain 0.01) so that the first actions are near the middle of the range. With
    ``actor_dim`` set the actor reads only the leading ``actor_dim`` columns of a flat
    ``[policy | privileged]`` observation.
    """

    def __init__(
        self,
        observation_space: gym.Space,
        action_dim: int,
        network: NetworkConfig,
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
        self.output = orthogonal_init(nn.Linear(self.encoder.output_dim, action_dim), gain=POLICY_OUTPUT_GAIN)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """(B, A) actions for a batch of (flat) observations."""
        if self.actor_dim is not None:
            obs = obs[..., : self.actor_dim]
        return torch.tanh(self.output(self.encoder(obs)))


@torch.no_grad()
def polyak_update(target: nn.Module, source: nn.Module, tau: float) -> None:
    """``θ' ← (1 - τ) θ' + τ θ`` for every parameter of ``target`` and its counterpart in ``source``."""
    # One fused call over every tensor: a Python loop of lerp_ calls costs more than the arithmetic.
    torch._foreach_lerp_(list(target.parameters()), list(source.parameters()), tau)


class TD3(Agent):
    """TD3 with ``gradient_steps`` critic updates per ``train_freq`` env steps after ``learning_starts``
    steps of uniform random actions; the actor and the targets follow every ``policy_delay`` critic updates.

    The actor's actions live in ``[-1, 1]``, the replay buffer stores them so, and the env receives them
    rescaled to its bounds; exploration and smoothing noise are added in these units, so they scale with the
    action range. For a ``Dict{policy, privileged}`` observation the buffer stores the flat vector
    ``[policy | privileged]``: the critics read all of it, the actor only the ``policy`` columns. All sampling
    (exploration and smoothing noise, warm-up actions, replay indices) comes from seeded streams held in the
    checkpoint, so a resumed run continues bit-exactly.
    """

    config_class = TD3Config
    description = "twin delayed DDPG: twin critics, deterministic actor, target smoothing (Box actions)"
    config: TD3Config

    def __init__(
        self,
        config: TD3Config,
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
        self.actor = DeterministicActor(actor_space, self.action_dim, config.network, actor_dim).to(device)
        self.actor_target = copy.deepcopy(self.actor).requires_grad_(False)
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
        # The actor learns on every policy_delay-th step only: logged rows repeat its latest metrics.
        self.actor_metrics: dict[str, float] = {}
        self._pending: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def check_spaces(cls, observation_space: gym.Space, action_space: gym.Space) -> None:
        if isinstance(action_space, gym.spaces.Discrete):
            raise RlkitError(
                f"agent 'td3' needs a continuous Box action space; the env's is {action_space} "
                "(use dqn or ppo for discrete actions)"
            )
        if not (isinstance(action_space, gym.spaces.Box) and len(action_space.shape) == 1):
            raise RlkitError(f"agent 'td3' acts in 1-D Box action spaces; the env's is {action_space}")
        if not (np.all(np.isfinite(action_space.low)) and np.all(np.isfinite(action_space.high))):
            raise RlkitError(
                f"agent 'td3' needs finite action bounds; the env's action space is {action_space}"
            )
        if isinstance(observation_space, gym.spaces.Dict) and not is_privileged_space(observation_space):
            raise RlkitError(
                "agent 'td3' reads Box observations or Dict{policy, privileged}; "
                f"the env's is {observation_space}"
            )

    def _obs_tensor(self, obs: np.ndarray | dict[str, np.ndarray]) -> torch.Tensor:
        return torch.as_tensor(flatten_privileged(obs), dtype=torch.float32, device=self.device)

    def _noise(self, shape: torch.Size, std: float) -> torch.Tensor:
        """Gaussian noise of standard deviation ``std`` from the agent's checkpointed stream."""
        return std * torch.randn(shape, generator=self.generator, device=self.device)

    def _explore_actions(self, obs: torch.Tensor) -> torch.Tensor:
        """``clip(μ(s) + N(0, σ²), -1, 1)``: the actor's actions with exploration noise."""
        actions = self.actor(obs)
        return (actions + self._noise(actions.shape, self.config.exploration_noise)).clamp(-1.0, 1.0)

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        obs_tensor = self._obs_tensor(obs)
        actions = self.actor(obs_tensor) if deterministic else self._explore_actions(obs_tensor)
        return self.to_env_action(actions)

    @torch.no_grad()
    def explore(self, obs: np.ndarray, env_steps: int) -> np.ndarray:
        flat = flatten_privileged(obs)
        if env_steps < self.config.learning_starts:
            actions = self.rng.uniform(-1.0, 1.0, (len(flat), self.action_dim)).astype(np.float32)
        else:
            actions = self._explore_actions(self._obs_tensor(flat)).cpu().numpy()
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
        for optimizer in (self.actor_optimizer, self.critic_optimizer):
            set_learning_rate(optimizer, lr)
        steps = periods * cfg.gradient_steps
        critic_sums: dict[str, torch.Tensor] = {}
        actor_sums: dict[str, torch.Tensor] = {}
        actor_steps = 0
        for _ in range(steps):
            critic_metrics, actor_metrics = self._gradient_step()
            for key, value in critic_metrics.items():
                critic_sums[key] = critic_sums.get(key, 0.0) + value
            if actor_metrics:
                actor_steps += 1
                for key, value in actor_metrics.items():
                    actor_sums[key] = actor_sums.get(key, 0.0) + value
        if actor_steps:
            self.actor_metrics = {key: float(value) / actor_steps for key, value in actor_sums.items()}
        metrics = {key: float(value) / steps for key, value in critic_sums.items()}
        metrics.update(self.actor_metrics)
        metrics["optim/lr"] = lr
        return metrics

    def _target_actions(self, next_obs: torch.Tensor) -> torch.Tensor:
        """The target actor's actions at ``s'`` with clipped smoothing noise."""
        cfg = self.config
        actions = self.actor_target(next_obs)
        noise = self._noise(actions.shape, cfg.target_policy_noise)
        return smoothed_target_actions(actions, noise, cfg.target_noise_clip)

    def _gradient_step(self) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """One critic step; every ``policy_delay``-th one also an actor step and Polyak updates of both
        targets, as Stable-Baselines3. Returns the critic's and the actor's metrics (empty: no actor step)."""
        cfg = self.config
        batch = self.buffer.sample(cfg.batch_size)
        with torch.no_grad():
            next_q1, next_q2 = self.critic_target(batch.next_obs, self._target_actions(batch.next_obs))
            target = clipped_double_q_target(batch.rewards, next_q1, next_q2, batch.terminated, cfg.gamma)
        q1, q2 = self.critic(batch.obs, batch.actions)
        q_loss, q_info = critic_loss(q1, q2, target)
        self.critic_optimizer.zero_grad(set_to_none=True)
        q_loss.backward()
        clip_gradients(self.critic_parameters, cfg.max_grad_norm)
        self.critic_optimizer.step()
        self.gradient_steps_done += 1
        critic_metrics = {"loss/critic": q_loss.detach(), "value/q_mean": q_info["q_mean"]}
        if self.gradient_steps_done % cfg.policy_delay != 0:
            return critic_metrics, {}

        # The actor's gradient flows through the critic into the actions, not into the critic's weights.
        self.critic.requires_grad_(False)
        try:
            q1_pi = self.critic.q1(batch.obs, self.actor(batch.obs))
        finally:
            self.critic.requires_grad_(True)
        pi_loss, pi_info = deterministic_actor_loss(q1_pi)
        self.actor_optimizer.zero_grad(set_to_none=True)
        pi_loss.backward()
        clip_gradients(self.actor_parameters, cfg.max_grad_norm)
        self.actor_optimizer.step()
        polyak_update(self.critic_target, self.critic, cfg.tau)
        polyak_update(self.actor_target, self.actor, cfg.tau)
        return critic_metrics, {"loss/actor": pi_loss.detach(), "value/q_pi": pi_info["q_pi"]}

    def state_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor.state_dict(),
            "actor_target": self.actor_target.state_dict(),
            "critic": self.critic.state_dict(),
            "critic_target": self.critic_target.state_dict(),
            "actor_optimizer": self.actor_optimizer.state_dict(),
            "critic_optimizer": self.critic_optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "rng": self.rng.bit_generator.state,
            "env_steps": self.env_steps,
            "last_update_step": self.last_update_step,
            "gradient_steps_done": self.gradient_steps_done,
            "actor_metrics": dict(self.actor_metrics),
            "replay": self.buffer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        try:
            self.actor.load_state_dict(state["actor"])
            self.actor_target.load_state_dict(state["actor_target"])
            self.critic.load_state_dict(state["critic"])
            self.critic_target.load_state_dict(state["critic_target"])
            self.actor_optimizer.load_state_dict(state["actor_optimizer"])
            self.critic_optimizer.load_state_dict(state["critic_optimizer"])
        except (RuntimeError, KeyError, ValueError) as exc:
            raise RlkitError(
                f"checkpoint does not match this TD3 network: {str(exc).splitlines()[0]}"
            ) from None
        self.generator.set_state(state["generator"])
        self.rng.bit_generator.state = state["rng"]
        self.env_steps = int(state["env_steps"])
        self.last_update_step = int(state["last_update_step"])
        self.gradient_steps_done = int(state["gradient_steps_done"])
        self.actor_metrics = {key: float(value) for key, value in state["actor_metrics"].items()}
        self.buffer.load_state_dict(state["replay"])
