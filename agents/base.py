"""The API every agent implements, so that one training loop, evaluator and checkpoint format serve all.

The loop (:mod:`rlkit.training.trainer`) calls ``agent.envs_reset()`` after resetting the envs, then drives an
agent through four calls per vector step::

    actions = agent.explore(obs, env_steps)          # acting for training (exploration, caching)
    next_obs, rewards, terminated, truncated, infos = env.step(actions)
    agent.record(StepResult(rewards, terminated, truncated, final_next_obs))
    if agent.update_due(env_steps):
        metrics = agent.update(progress)             # -> dict of floats for logging

With ``rollout.backend: ray`` (``rollout.inference: worker``) each rollout worker steps its envs with a copy
of the agent (:meth:`explore` and :meth:`record` on its own envs, :meth:`discard_experience` after each
fragment), weights synchronized from the learner. The learner then replays every step through its own agent
with the worker's choice, ``explore(obs, env_steps, actions=worker_actions)`` (the ``explored_actions()`` of
the copy), so its memory, statistics and storage evolve exactly as if it had sampled those actions itself.

``make_policy()`` gives the policy alone (evaluation, videos, export): a callable
``(obs, episode_starts) -> actions`` that carries a recurrent agent's memory from step to step and wipes it
where an episode starts. ``act`` is its stateless form for feed-forward agents.

``deployable_policy()`` gives the same deterministic policy as one self-contained ``torch.nn.Module`` with
its description (:class:`rlkit.nn.deploy.DeployablePolicy`): each agent family builds its own, so export and
distillation ask the agent and know no family.

``state_dict`` holds everything needed to resume: networks, optimizer, normalization statistics,
schedules and random streams, as tensors and plain Python values only, so checkpoints load with
``torch.load(weights_only=True)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, Protocol

import gymnasium as gym
import numpy as np
import torch

from rlkit.agents.actor_critic import actor_observation_space, split_action_mask
from rlkit.config.schema import AgentConfig
from rlkit.errors import RlkitError
from rlkit.nn.deploy import DeployablePolicy, DeploySpec, StateSpec
from rlkit.policy import Policy


@dataclass(frozen=True)
class StepResult:
    """What one vector-env step returned, as agents need it.

    Attributes:
        rewards: (num_envs,) rewards.
        terminated: (num_envs,) bool, the episode ended in a terminal state (no bootstrapping).
        truncated: (num_envs,) bool, the episode was cut off (time limit): bootstrap from ``next_obs``.
        next_obs: (num_envs, ...) the observation after the step; for envs whose episode ended this is the
            episode's final observation, not the next episode's first one.
    """

    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    next_obs: np.ndarray


class FrozenPolicy:
    """A fixed copy of an agent's policy (:meth:`Agent.frozen_policy`): a :class:`~rlkit.policy.Policy` whose
    weights can be saved and given back to ``frozen_policy`` (a self-play checkpoint keeps its pool).

    Args:
        play: Acts on a batch of observations.
        network: The copied network ``play`` acts with.
    """

    def __init__(self, play: Policy, network: torch.nn.Module) -> None:
        self.play = play
        self.network = network

    def __call__(self, obs: Any, episode_starts: np.ndarray) -> np.ndarray:
        return self.play(obs, episode_starts)

    def weights(self) -> dict[str, torch.Tensor]:
        """The copied network's weights (and normalization statistics), on the CPU."""
        return {key: value.detach().cpu().clone() for key, value in self.network.state_dict().items()}


class ExploredStep(Protocol):
    """What :meth:`Agent.explore` keeps for :meth:`Agent.record` (an agent's ``_pending``): at least the
    actions it chose, in the form ``explore(..., actions=)`` takes them (the policy's own actions, before
    they are mapped onto the env's action space)."""

    @property
    def actions(self) -> np.ndarray | torch.Tensor:
        """The chosen actions, one per env."""
        ...


class ExploredTransition(NamedTuple):
    """What a replay agent's :meth:`Agent.explore` keeps for :meth:`Agent.record`: the observations (as the
    replay stores them) and the actions chosen for them."""

    obs: np.ndarray
    actions: np.ndarray


class Agent(ABC):
    """A learning algorithm with its networks, storage and optimizer.

    Args:
        config: The agent's validated config section.
        observation_space: A single env's observation space.
        action_space: A single env's action space.
        num_envs: Envs stepped in parallel.
        total_steps: Env steps the run will train for (for schedules).
        device: Where networks and update storage live.
        seed: The run's seed: the agent's own random streams are its named streams (:mod:`rlkit.seeding`).
    """

    #: The config class that validates this agent's section.
    config_class: ClassVar[type[AgentConfig]]
    #: Whether rollout workers may act with copies of this agent (it implements ``explore(..., actions=)``,
    #: :meth:`explored_actions` and, if it stores rollouts, :meth:`discard_experience`).
    remote_acting: ClassVar[bool] = False
    #: The networks (attribute names) an acting copy needs: the learner sends only these to workers.
    acting_modules: ClassVar[tuple[str, ...]] = ()
    #: What makes this agent where ``rlkit train`` cannot (None: it trains here), e.g. ``rlkit distill``'s
    #: student of a teacher run: ``rlkit train`` refuses it, naming this, before anything is written.
    made_by: ClassVar[str | None] = None
    #: What the last :meth:`explore` left for :meth:`record`; None once recorded.
    _pending: ExploredStep | None = None

    def __init__(
        self,
        config: AgentConfig,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        self.check_spaces(observation_space, action_space)
        self.config = config
        self.observation_space = observation_space
        self.action_space = action_space
        self.num_envs = num_envs
        self.total_steps = total_steps
        self.device = device
        self.seed = seed
        #: Optimizer steps (one per minibatch gradient step) taken so far: ``train/gradient_steps`` in the
        #: metrics, so the update-to-data ratio can be read off a run. Agents save it in their checkpoints.
        self.gradient_steps_done = 0

    @classmethod  # noqa: B027  (deliberately not abstract: accepting any spaces is a valid default)
    def check_spaces(cls, observation_space: gym.Space[Any], action_space: gym.Space[Any]) -> None:
        """Raise :class:`rlkit.errors.RlkitError` when this agent cannot act in these spaces."""

    @abstractmethod
    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        """Actions for a batch of observations, from the policy alone (no exploration state changes).

        Recurrent agents act here from an empty memory; evaluate them through :meth:`make_policy`.
        """

    def make_policy(self, deterministic: bool = True) -> Policy:
        """A fresh policy for evaluation, videos and export, with its own memory (recurrent agents).

        Feed-forward agents need no memory: the default is :meth:`act` with the starts ignored.
        """

        def feed_forward(obs: np.ndarray, episode_starts: np.ndarray) -> np.ndarray:
            return self.act(obs, deterministic)

        return feed_forward

    def frozen_policy(
        self, deterministic: bool = False, seed: int = 0, weights: dict[str, torch.Tensor] | None = None
    ) -> FrozenPolicy:
        """A copy of this agent's current policy that later training leaves as it is (self-play's past
        opponents), sampling from its own stream seeded with ``seed`` unless ``deterministic``; with
        ``weights`` (a :meth:`FrozenPolicy.weights` of this agent's), that saved policy instead.

        Raises:
            RlkitError: This agent cannot make one (the default; its name is in the message).
        """
        raise RlkitError(
            f"agent '{self.config.name}' cannot play against past versions of itself (self_play): the "
            "actor-critic agents (ppo, a2c, reinforce) can"
        )

    def deployable_policy(self) -> DeployablePolicy:
        """This agent's deterministic policy as one self-contained module, built from copies of its networks
        (:func:`rlkit.nn.deploy.deployable_copy`, on the CPU, in eval mode), and its description: what
        ``rlkit export`` traces and checks, and (:attr:`DeployablePolicy.trainable`) what distillation fits.

        The module's actions must be those of ``make_policy(deterministic=True)``; :meth:`deploy_spec`
        describes its inputs and outputs.

        Raises:
            RlkitError: This agent cannot be exported (the default; its name is in the message).
        """
        raise RlkitError(
            f"agent '{self.config.name}' cannot be exported: it builds no deployable policy; the "
            "actor-critic (ppo, a2c, reinforce, recurrent_ppo), dqn, r2d2, sac and td3 agents do"
        )

    @property
    def policies(self) -> dict[str, Agent]:
        """The agents whose policies a run deploys, by game agent: this one alone, under ``""``; one per
        agent of a game trained without parameter sharing
        (:class:`~rlkit.agents.separate_policies.SeparatePolicies`)."""
        return {"": self}

    def deploy_spec(
        self, family: str, squash: bool = False, states: tuple[StateSpec, ...] = ()
    ) -> DeploySpec:
        """The description of a deployable policy of this agent that reads the env's observation (only the
        ``policy`` part of a ``Dict{policy, privileged}``) and acts in the env's action space.

        Args:
            family: How the policy is built (``rlkit.nn.deploy.FAMILIES`` names the built-in ones).
            squash: Box actions are tanh-squashed and rescaled to the bounds (else clipped).
            states: The recurrent state tensors the policy takes and returns (empty: feed-forward).

        Raises:
            RlkitError: The observation space is neither a Box nor a privileged Dict.
        """
        observation_space, privileged = actor_observation_space(self.observation_space)
        return DeploySpec.of_spaces(
            family,
            self.config.name,
            observation_space,
            self.action_space,
            squash=squash,
            states=states,
            privileged_policy_part=privileged,
            action_mask=split_action_mask(self.observation_space)[1],
        )

    @abstractmethod
    def explore(self, obs: np.ndarray, env_steps: int, actions: np.ndarray | None = None) -> np.ndarray:
        """Actions for training; remembers what :meth:`record` will need about this step.

        Args:
            obs: (num_envs, ...) observations.
            env_steps: Env steps done so far (exploration schedules follow it).
            actions: Actions already chosen for ``obs`` by a rollout worker's copy of this agent (its
                :meth:`explored_actions`): take them instead of choosing, and update everything else
                (memory, statistics, what :meth:`record` stores) as usual.
        """

    def explored_actions(self) -> np.ndarray:
        """The actions the last :meth:`explore` chose, in the form ``explore(..., actions=)`` takes (the
        policy's own actions, before they are mapped onto the env's action space): the ``actions`` of what
        :meth:`explore` left for :meth:`record` (``_pending``, an :class:`ExploredStep`)."""
        if not self.remote_acting:
            raise NotImplementedError(f"{type(self).__name__} does not support acting on rollout workers")
        if self._pending is None:
            raise RuntimeError("explored_actions() called without a preceding explore()")
        actions = self._pending.actions
        return actions.cpu().numpy() if isinstance(actions, torch.Tensor) else actions

    def discard_experience(self) -> None:  # noqa: B027  (replay agents keep a bounded ring: nothing to do)
        """Drop stored experience without learning from it: an acting copy on a rollout worker calls this
        after each fragment, so that a full rollout buffer never blocks its next one."""

    def acting_state(self) -> dict[str, dict[str, torch.Tensor]]:
        """The weights a rollout worker's copy acts with, on the CPU: the state of the networks named in
        :attr:`acting_modules` (normalization statistics included)."""
        return {
            name: {key: tensor.detach().cpu() for key, tensor in getattr(self, name).state_dict().items()}
            for name in self.acting_modules
        }

    def load_acting_state(self, state: dict[str, dict[str, torch.Tensor]]) -> None:
        """Take the learner's :meth:`acting_state` (on a rollout worker's copy)."""
        for name, module_state in state.items():
            getattr(self, name).load_state_dict(module_state)

    @property
    def rollout_length(self) -> int | None:
        """Vector steps per update for agents that learn from whole rollouts of the current policy
        (on-policy); None for agents that learn from a replay of past experience."""
        return None

    @abstractmethod
    def record(self, step: StepResult) -> None:
        """Store the outcome of the actions the last :meth:`explore` returned."""

    def envs_reset(self, envs: np.ndarray | None = None) -> None:  # noqa: B027  (most keep no such state)
        """The loop reset the envs ``envs`` (a bool mask; None: every env), at the start of a run, after a
        resume, or when a lost rollout worker was replaced: their episodes in flight are over, cut off
        after the last step recorded.

        Agents that hold partial episodes (n-step windows, memory) close or drop them here.
        """

    @abstractmethod
    def update_due(self, env_steps: int) -> bool:
        """Whether :meth:`update` should run now."""

    @abstractmethod
    def update(self, progress: float) -> dict[str, float]:
        """Learn from stored experience; ``progress`` is env steps done / total, in [0, 1]."""

    @abstractmethod
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: tensors and plain Python values only."""

    @abstractmethod
    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


def load_generator_state(generator: torch.Generator, state: torch.Tensor) -> None:
    """Restore a torch generator's saved state, when it was saved on the same kind of device.

    CPU and CUDA generators keep different states that cannot be converted: a checkpoint trained on a GPU
    and evaluated or resumed on a CPU keeps the generator as the agent seeded it (sampling stays seeded;
    only the bit-exact continuation of the GPU run is lost, which a change of device breaks anyway).
    """
    if state.numel() == generator.get_state().numel():
        generator.set_state(state)
