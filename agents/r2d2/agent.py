"""R2D2 (Kapturowski et al., 2019) in one process: recurrent DQN learned from prioritized replayed sequences.

Acting carries each env's LSTM memory from step to step and wipes it where an episode starts. The stream of
steps is cut per env into sequences of ``burn_in + sequence_length + 1`` steps, one starting every
``sequence_length - sequence_overlap`` steps, each stored with the memory the actor had before its first step
(:class:`~rlkit.buffers.sequence_replay_buffer.SequenceReplayBuffer`). An update replays a batch of
sequences: the first ``burn_in`` steps run the online and the target network from the stored memory without
gradient, refreshing the stale stored state; the loss covers the next ``sequence_length`` steps, with n-step
Double-DQN targets computed inside the sequence (in value-rescaled space when ``value_rescaling``): the
extra last step is only bootstrapped from, so the last trained step has a target too. The sequences'
priorities become ``η max|δ| + (1-η) mean|δ|``; the target network is copied every
``target_update_interval`` gradient steps.

Episodes cut off by a time limit bootstrap from their final observation, which the buffer stores as one
extra, masked-out step of the same episode: the learner reaches it with the episode's memory, exactly as
the actor would have.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
import torch

from rlkit.agents.base import Agent, StepResult
from rlkit.agents.dqn.agent import linear_epsilon
from rlkit.agents.r2d2.config import R2D2Config
from rlkit.agents.r2d2.losses import (
    inverse_value_rescale,
    masked_sequence_loss,
    n_step_sequence_targets,
    sequence_priorities,
    value_rescale,
)
from rlkit.agents.r2d2.network import RecurrentQNetwork
from rlkit.agents.spaces import space_dtype, space_shape
from rlkit.agents.train_frequency import TrainFrequency
from rlkit.buffers.sequence_replay_buffer import SequenceBatch, SequenceReplayBuffer
from rlkit.errors import RlkitError
from rlkit.nn import RecurrentState
from rlkit.nn.deploy import (
    DeployablePolicy,
    EnvActionMapping,
    MemoryHead,
    ObservationPreprocessor,
    RecurrentPolicy,
    deployable_copy,
    state_specs,
)
from rlkit.nn.state_mismatch import load_module_states
from rlkit.optim import build_lr_schedule, build_optimizer, clip_gradients, set_learning_rate
from rlkit.policy import Policy
from rlkit.seeding import seeded_generator, stream_seed


class ExploredSequenceStep(NamedTuple):
    """What :meth:`R2D2.explore` keeps for :meth:`R2D2.record`: the step's observations and actions, and the
    memory before and after it (the replay stores both)."""

    obs: np.ndarray
    actions: np.ndarray
    memory_before: RecurrentState
    memory_after: RecurrentState


class R2D2(Agent):
    """Recurrent replay DQN for partially observable tasks with discrete actions."""

    config_class = R2D2Config
    remote_acting = True
    acting_modules = ("q_network",)
    config: R2D2Config

    def __init__(
        self,
        config: R2D2Config,
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
        self.q_network = RecurrentQNetwork(observation_space, self.num_actions, config).to(device)
        self.target_network = RecurrentQNetwork(observation_space, self.num_actions, config).to(device)
        self.target_network.load_state_dict(self.q_network.state_dict())
        self.target_network.requires_grad_(False)
        self.parameters = list(self.q_network.parameters())
        self.optimizer = build_optimizer(self.parameters, config)
        self.lr_schedule = build_lr_schedule(config)
        memory = self.q_network.initial_state(num_envs)
        length, period = config.stored_length, config.sequence_period
        # A sequence starts every `period` steps: no more slots than the run can fill (+ flushes).
        most = total_steps // period + 2 * num_envs
        self.buffer = SequenceReplayBuffer(
            min(config.buffer_size, most),
            num_envs,
            length,
            length - period,
            space_shape(observation_space),
            space_dtype(observation_space),
            tuple((tensor.shape[0], tensor.shape[2]) for tensor in memory),
            device,
            stream_seed(seed, "replay"),
            alpha=config.priority_alpha,
            eps=config.priority_eps,
        )
        self.rng = seeded_generator(seed, "exploration")
        self.env_steps = 0
        self.train_frequency = TrainFrequency(config.train_freq, config.learning_starts)
        self.epsilon = config.exploration_initial_eps
        self.beta = config.priority_beta_start
        self._memory: RecurrentState = memory
        self._starts = np.ones(num_envs, dtype=bool)
        self._pending: ExploredSequenceStep | None = None

    @classmethod
    def check_spaces(cls, observation_space: gym.Space[Any], action_space: gym.Space[Any]) -> None:
        if not isinstance(action_space, gym.spaces.Discrete):
            raise RlkitError(
                f"agent 'r2d2' needs a Discrete action space; the env's is {action_space} "
                "(use recurrent_ppo for continuous actions, or env.discrete_actions)"
            )
        if isinstance(observation_space, gym.spaces.Dict):
            raise RlkitError(
                f"agent 'r2d2' reads Box observations; the env's is {observation_space} "
                "(a privileged observation is for ppo's asymmetric critic)"
            )

    @torch.no_grad()
    def _step(
        self, obs: np.ndarray, memory: RecurrentState, starts: np.ndarray
    ) -> tuple[torch.Tensor, RecurrentState]:
        """(B, A) Q-values for one step of observations, and the memory after it."""
        obs_t = torch.as_tensor(obs, dtype=torch.float32, device=self.device).unsqueeze(0)
        starts_t = torch.as_tensor(np.asarray(starts, dtype=bool), device=self.device).unsqueeze(0)
        q, memory = self.q_network(obs_t, memory, starts_t)
        return q[0], memory

    def _epsilon_greedy(self, q: torch.Tensor, epsilon: float, rng: np.random.Generator) -> np.ndarray:
        actions = q.argmax(dim=1).cpu().numpy()
        explore = rng.random(len(actions)) < epsilon
        actions[explore] = rng.integers(0, self.num_actions, size=int(explore.sum()))
        return actions

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        """Actions from an empty memory (as at an episode's first step); evaluate with :meth:`make_policy`."""
        starts = np.ones(len(obs), dtype=bool)
        q, _ = self._step(obs, self.q_network.initial_state(len(obs)), starts)
        return self._epsilon_greedy(q, 0.0 if deterministic else self.epsilon, self.rng)

    def make_policy(self, deterministic: bool = True) -> Policy:
        return R2D2Policy(self, deterministic)

    def deployable_policy(self) -> DeployablePolicy:
        """One greedy step with explicit state, ``(obs, h[, c], episode_start) -> (action index, next_h[,
        next_c])``: the Q-network's encoder and core, argmax of its Q head."""
        network = deployable_copy(self.q_network)
        module = RecurrentPolicy(
            ObservationPreprocessor(None, None),
            network.encoder,
            network.core.rnn,
            MemoryHead(network.head, greedy=True),
            EnvActionMapping(self.action_space, False),
        )
        return DeployablePolicy(module, self.deploy_spec("r2d2", states=state_specs(network.core)))

    def explore(self, obs: np.ndarray, env_steps: int, actions: np.ndarray | None = None) -> np.ndarray:
        cfg = self.config
        self.epsilon = linear_epsilon(
            env_steps / self.total_steps,
            cfg.exploration_initial_eps,
            cfg.exploration_final_eps,
            cfg.exploration_fraction,
        )
        # The network runs even while every action is random: the memory must follow the episode, and the
        # replay stores it.
        q, memory = self._step(obs, self._memory, self._starts)
        if actions is None:
            actions = self._epsilon_greedy(q, self.epsilon, self.rng)
        else:  # chosen by a rollout worker's copy
            actions = np.asarray(actions, dtype=np.int64)
        self._pending = ExploredSequenceStep(obs, actions, self._memory, memory)
        self._memory = memory
        return actions

    def record(self, step: StepResult) -> None:
        if self._pending is None:
            raise RuntimeError("record() called without a preceding explore()")
        obs, actions, memory_before, memory_after = self._pending
        self._pending = None
        self.buffer.add(
            obs,
            actions,
            step.rewards,
            step.terminated,
            step.truncated,
            step.next_obs,
            memory_before,
            memory_after,
        )
        self._starts = np.asarray(step.terminated | step.truncated, dtype=bool)
        self.env_steps += len(step.rewards)

    def envs_reset(self, envs: np.ndarray | None = None) -> None:
        """Close those envs' in-flight sequences (their episodes will not continue): they start episodes."""
        self.buffer.flush(envs)
        self._starts[slice(None) if envs is None else envs] = True

    @torch.no_grad()
    def _update_target(self) -> None:
        tau = self.config.tau
        if tau >= 1.0:
            self.target_network.load_state_dict(self.q_network.state_dict())
            return
        for target, online in zip(self.target_network.parameters(), self.q_network.parameters(), strict=True):
            target.lerp_(online, tau)

    def update_due(self, env_steps: int) -> bool:
        return len(self.buffer) > 0 and self.train_frequency.periods_due(env_steps) > 0

    def update(self, progress: float) -> dict[str, float]:
        cfg = self.config
        steps = self.train_frequency.take(self.env_steps) * cfg.gradient_steps
        set_learning_rate(self.optimizer, self.lr_schedule(progress))
        self.beta = cfg.priority_beta_start + (1.0 - cfg.priority_beta_start) * progress
        loss_sum = torch.zeros((), device=self.device)
        q_sum = torch.zeros((), device=self.device)
        for _ in range(steps):
            batch = self.buffer.sample(cfg.batch_size, self.beta)
            loss, q_mean, priorities = self.sequence_loss(batch)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            clip_gradients(self.parameters, cfg.max_grad_norm)
            self.optimizer.step()
            self.gradient_steps_done += 1
            if self.gradient_steps_done % cfg.target_update_interval == 0:  # counted in learner updates
                self._update_target()
            self.buffer.update_priorities(batch.indices, priorities.cpu().numpy())
            loss_sum += loss.detach()
            q_sum += q_mean
        return {
            "loss/td": float(loss_sum) / steps,
            "value/q_mean": float(q_sum) / steps,
            "explore/epsilon": self.epsilon,
            "optim/lr": float(self.optimizer.param_groups[0]["lr"]),
            "replay/beta": self.beta,
        }

    def sequence_loss(self, batch: SequenceBatch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, mean Q of the trained steps, (B,) new sequence priorities) for a batch of sequences.

        The burn-in runs without gradient from the stored memory; its steps are outside the loss, and so is
        the sequence's last step, which only the step before it bootstraps from.
        """
        cfg = self.config
        burn = cfg.burn_in
        obs = batch.obs.to(torch.float32)
        with torch.no_grad():
            memory = batch.states
            if burn > 0:
                _, memory = self.q_network(obs[:burn], memory, batch.starts[:burn])
            target_q, _ = self.target_network(obs, batch.states, batch.starts)
            target_q = target_q[burn:]
        q, _ = self.q_network(obs[burn:], tuple(m.detach() for m in memory), batch.starts[burn:])
        with torch.no_grad():
            chooser = q if cfg.double_q else target_q
            bootstrap = target_q.gather(-1, chooser.argmax(dim=-1, keepdim=True)).squeeze(-1)
            if cfg.value_rescaling:
                bootstrap = inverse_value_rescale(bootstrap, cfg.value_rescaling_eps)
            targets, has_target = n_step_sequence_targets(
                batch.rewards[burn:],
                batch.terminated[burn:],
                batch.ends[burn:],
                bootstrap,
                cfg.gamma,
                cfg.n_step,
            )
            if cfg.value_rescaling:
                targets = value_rescale(targets, cfg.value_rescaling_eps)
        q_taken = q.gather(-1, batch.actions[burn:].unsqueeze(-1)).squeeze(-1)
        mask = batch.mask[burn:] & has_target
        loss, td_error = masked_sequence_loss(q_taken, targets, mask, batch.weights, cfg.loss)
        priorities = sequence_priorities(td_error, mask, cfg.priority_eta)
        q_mean = torch.where(mask, q_taken.detach(), 0.0).sum() / mask.sum().clamp(min=1)
        return loss, q_mean, priorities

    def state_dict(self) -> dict[str, Any]:
        return {
            "q_network": self.q_network.state_dict(),
            "target_network": self.target_network.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "rng": self.rng.bit_generator.state,
            "env_steps": self.env_steps,
            "last_update_step": self.train_frequency.last_update_step,
            "gradient_steps_done": self.gradient_steps_done,
            "epsilon": self.epsilon,
            "beta": self.beta,
            "replay": self.buffer.state_dict(),
            "memory": [tensor.detach().cpu().clone() for tensor in self._memory],
            "starts": torch.from_numpy(self._starts.copy()),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        load_module_states(
            "R2D2 network",
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
        self.epsilon = float(state.get("epsilon", self.config.exploration_final_eps))
        self.beta = float(state.get("beta", self.config.priority_beta_start))
        # Replay and in-flight memory belong to the training run; evaluating a checkpoint needs neither,
        # and a run resumed with another env count starts them afresh.
        same_envs = "starts" in state and len(state["starts"]) == self.num_envs
        if "replay" in state and same_envs:
            self.buffer.load_state_dict(state["replay"])
        if "memory" in state and same_envs:
            self._memory = tuple(tensor.to(self.device) for tensor in state["memory"])
            self._starts = state["starts"].numpy().astype(bool).copy()


class R2D2Policy:
    """R2D2's greedy (or epsilon-greedy) policy with its own memory, for evaluation and videos.

    The memory is sized by the first batch of observations and wiped per env by ``episode_starts``; the
    agent's training memory is never touched. Epsilon-greedy actions use the agent's current epsilon and a
    random stream of the policy's own, so evaluating does not shift training's random stream.
    """

    def __init__(self, agent: R2D2, deterministic: bool) -> None:
        self.agent = agent
        self.deterministic = deterministic
        self.memory: RecurrentState | None = None
        self.rng = seeded_generator(agent.seed, "evaluation")

    def __call__(self, obs: np.ndarray, episode_starts: np.ndarray) -> np.ndarray:
        if self.memory is None or self.memory[0].shape[1] != len(obs):
            self.memory = self.agent.q_network.initial_state(len(obs))
        q, self.memory = self.agent._step(obs, self.memory, episode_starts)
        epsilon = 0.0 if self.deterministic else self.agent.epsilon
        return self.agent._epsilon_greedy(q, epsilon, self.rng)
