"""Deep Q-Network with Double-DQN targets, a replay buffer and a hard or Polyak target network."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from agents.base import Agent, StepResult
from agents.dqn.config import DQNConfig
from agents.dqn.losses import q_learning_loss, td_target
from rlkit.errors import RlkitError
from rlkit.nn import QHead, build_encoder
from rlkit.optim import build_lr_schedule, build_optimizer, clip_gradients, set_learning_rate
from rlkit.rollout.replay_buffer import ReplayBuffer


class QNetwork(nn.Module):
    """Q(s, ·) for every discrete action: an encoder built from the observation space and a Q head."""

    def __init__(self, observation_space: gym.Space, num_actions: int, config: DQNConfig) -> None:
        super().__init__()
        net = config.network
        self.encoder = build_encoder(
            observation_space,
            hidden_sizes=net.hidden_sizes,
            activation=net.activation,
            layer_norm=net.layer_norm,
            cnn=net.cnn,
        )
        self.head = QHead(self.encoder.output_dim, num_actions)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """(B, A) Q-values."""
        return self.head(self.encoder(obs))


def linear_epsilon(progress: float, initial: float, final: float, fraction: float) -> float:
    """Epsilon decaying linearly from ``initial`` to ``final`` over the first ``fraction`` of training."""
    if fraction <= 0 or progress >= fraction:
        return final
    return initial + (final - initial) * progress / fraction


class DQN(Agent):
    """DQN for discrete actions."""

    config_class = DQNConfig
    description = "Deep Q-Network with Double-DQN targets (discrete actions)"
    config: DQNConfig

    def __init__(
        self,
        config: DQNConfig,
        observation_space: gym.Space,
        action_space: gym.Space,
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        self.num_actions = int(action_space.n)
        self.q_network = QNetwork(observation_space, self.num_actions, config).to(device)
        self.target_network = QNetwork(observation_space, self.num_actions, config).to(device)
        self.target_network.load_state_dict(self.q_network.state_dict())
        self.target_network.requires_grad_(False)
        self.parameters = list(self.q_network.parameters())
        self.optimizer = build_optimizer(self.parameters, config)
        self.lr_schedule = build_lr_schedule(config)
        self.buffer = ReplayBuffer(
            min(config.buffer_size, max(total_steps, 1)),
            observation_space.shape,
            observation_space.dtype,
            (),
            np.int64,
            device,
            seed,
        )
        self.rng = np.random.default_rng(seed + 1)
        self.env_steps = 0
        self.last_update_step = 0
        self.last_target_step = 0
        self.epsilon = config.exploration_initial_eps
        self._pending: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def check_spaces(cls, observation_space: gym.Space, action_space: gym.Space) -> None:
        if not isinstance(action_space, gym.spaces.Discrete):
            raise RlkitError(
                f"agent 'dqn' needs a Discrete action space; the env's is {action_space} "
                "(use a policy-gradient agent such as ppo for continuous actions)"
            )
        if isinstance(observation_space, gym.spaces.Dict):
            raise RlkitError(
                f"agent 'dqn' reads Box observations; the env's is {observation_space} "
                "(a privileged observation is for ppo's asymmetric critic)"
            )

    @torch.no_grad()
    def _greedy(self, obs: np.ndarray) -> np.ndarray:
        q = self.q_network(torch.as_tensor(obs, dtype=torch.float32, device=self.device))
        return q.argmax(dim=1).cpu().numpy()

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        actions = self._greedy(obs)
        if not deterministic:
            explore = self.rng.random(len(actions)) < self.epsilon
            actions[explore] = self.rng.integers(0, self.num_actions, size=int(explore.sum()))
        return actions

    def explore(self, obs: np.ndarray, env_steps: int) -> np.ndarray:
        cfg = self.config
        self.epsilon = linear_epsilon(
            env_steps / self.total_steps,
            cfg.exploration_initial_eps,
            cfg.exploration_final_eps,
            cfg.exploration_fraction,
        )
        random_actions = self.rng.integers(0, self.num_actions, size=len(obs))
        explore = self.rng.random(len(obs)) < self.epsilon
        # Skip the network entirely while every env explores (the whole warm-up phase).
        actions = random_actions if explore.all() else np.where(explore, random_actions, self._greedy(obs))
        self._pending = (obs, actions)
        return actions

    def record(self, step: StepResult) -> None:
        if self._pending is None:
            raise RuntimeError("record() called without a preceding explore()")
        obs, actions = self._pending
        self._pending = None
        self.buffer.add(obs, actions, step.rewards, step.next_obs, step.terminated)
        self.env_steps += len(step.rewards)
        if self.env_steps - self.last_target_step >= self.config.target_update_interval:
            self.last_target_step = self.env_steps
            self._update_target()

    @torch.no_grad()
    def _update_target(self) -> None:
        tau = self.config.tau
        if tau >= 1.0:
            self.target_network.load_state_dict(self.q_network.state_dict())
            return
        for target, online in zip(self.target_network.parameters(), self.q_network.parameters(), strict=True):
            target.lerp_(online, tau)

    def update_due(self, env_steps: int) -> bool:
        cfg = self.config
        return env_steps >= cfg.learning_starts and env_steps - self.last_update_step >= cfg.train_freq

    def update(self, progress: float) -> dict[str, float]:
        cfg = self.config
        self.last_update_step = self.env_steps
        set_learning_rate(self.optimizer, self.lr_schedule(progress))
        loss_sum = torch.zeros((), device=self.device)
        q_sum = torch.zeros((), device=self.device)
        for _ in range(cfg.gradient_steps):
            batch = self.buffer.sample(cfg.batch_size)
            with torch.no_grad():
                next_q_target = self.target_network(batch.next_obs)
                next_q_online = self.q_network(batch.next_obs) if cfg.double_q else next_q_target
                target = td_target(
                    batch.rewards, next_q_online, next_q_target, batch.terminated, cfg.gamma, cfg.double_q
                )
            q_taken = self.q_network(batch.obs).gather(1, batch.actions.long().unsqueeze(1)).squeeze(1)
            loss, info = q_learning_loss(q_taken, target, cfg.loss)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            clip_gradients(self.parameters, cfg.max_grad_norm)
            self.optimizer.step()
            loss_sum += loss.detach()
            q_sum += info["q_mean"]
        return {
            "loss/td": float(loss_sum) / cfg.gradient_steps,
            "value/q_mean": float(q_sum) / cfg.gradient_steps,
            "explore/epsilon": self.epsilon,
            "optim/lr": float(self.optimizer.param_groups[0]["lr"]),
        }

    def state_dict(self) -> dict[str, Any]:
        return {
            "q_network": self.q_network.state_dict(),
            "target_network": self.target_network.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "rng": self.rng.bit_generator.state,
            "env_steps": self.env_steps,
            "last_update_step": self.last_update_step,
            "last_target_step": self.last_target_step,
            "epsilon": self.epsilon,
            "replay": self.buffer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        try:
            self.q_network.load_state_dict(state["q_network"])
            self.target_network.load_state_dict(state.get("target_network", state["q_network"]))
        except (RuntimeError, KeyError) as exc:
            raise RlkitError(
                f"checkpoint does not match this DQN network: {str(exc).splitlines()[0]}"
            ) from None
        if "optimizer" in state:
            self.optimizer.load_state_dict(state["optimizer"])
        if "rng" in state:
            self.rng.bit_generator.state = state["rng"]
        self.env_steps = int(state.get("env_steps", 0))
        self.last_update_step = int(state.get("last_update_step", 0))
        self.last_target_step = int(state.get("last_target_step", 0))
        self.epsilon = float(state.get("epsilon", self.config.exploration_final_eps))
        if "replay" in state:
            self.buffer.load_state_dict(state["replay"])
