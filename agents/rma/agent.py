"""The student of Rapid Motor Adaptation (Kumar et al., 2021): φ then π.

RMA trains a base policy π(x_t, e_t) with the simulator's privileged parameters e_t (the sampled physics),
then an adaptation module φ that estimates them from the last k readings the robot observes,
ê_t = φ(x_{t-k+1..t}), so that π(x_t, ê_t) acts on the robot. This agent is that student: π is the teacher's
deployable policy, frozen, and φ a :class:`~rlkit.nn.parameter_estimator.ParameterEstimator`. It estimates
the parameters themselves, not a learned latent of them: a teacher trained with
``env.randomization.observe_parameters`` reads them so, and each estimate can be checked against the truth.

``rlkit distill`` (``distill.method: adaptation``) builds it from the teacher's run and trains φ;
``rlkit eval`` and ``rlkit export`` rebuild it from the student's checkpoint alone, like any agent. It acts
deterministically (π's mode), whatever ``deterministic`` asks: the base policy is the teacher's deployable
one.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import torch

from rlkit.agent_registry import AGENTS
from rlkit.agents.base import Agent, StepResult
from rlkit.agents.rma.config import RMAConfig
from rlkit.config.schema import AdaptationModuleConfig
from rlkit.errors import RlkitError
from rlkit.nn.deploy import AdaptationParts, AdaptedPolicy, DeployablePolicy, deployable_copy
from rlkit.nn.mlp import MLP
from rlkit.nn.parameter_estimator import ParameterEstimator
from rlkit.nn.state_mismatch import load_module_states
from rlkit.nn.temporal_cnn import TemporalCNN


def adaptation_encoder(config: AdaptationModuleConfig, history: int, reading: int) -> MLP | TemporalCNN:
    """The adaptation module's torso for histories of ``history`` readings of ``reading`` values.

    Raises:
        RlkitError: The convolutions of a ``tcn`` do not fit the history.
    """
    if config.encoder == "mlp":
        return MLP(history * reading, config.hidden_sizes, activation=config.activation)
    try:
        return TemporalCNN(
            history,
            reading,
            config.step_features,
            config.channels,
            config.kernel_sizes,
            config.strides,
            config.hidden_sizes,
            config.activation,
        )
    except ValueError as exc:
        raise RlkitError(f"the adaptation module (distill.adaptation): {exc}") from None


class RMAStudent(Agent):
    """A frozen base policy acting on the latest reading and the parameters its adaptation module estimates
    from the whole history (see the module docstring).

    The observation is ``agent.history`` readings side by side, oldest first (``env.sensors.history``); the
    base policy is built from ``agent.base`` for ``[reading | parameters]`` observations.

    Raises:
        RlkitError: The observation is not a flat Box of whole readings, or the base agent's deployable
            policy is recurrent (or missing).
    """

    config_class: ClassVar[type[RMAConfig]] = RMAConfig
    made_by: ClassVar[str | None] = "rlkit distill from a teacher run (distill.method: adaptation)"
    config: RMAConfig

    def __init__(
        self,
        config: RMAConfig,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        width = int(np.prod(observation_space.shape or (0,)))
        if width % config.history:
            raise RlkitError(
                f"agent 'rma' reads {config.history} readings per observation (agent.history), and the env's "
                f"{width} values are not a whole number of them"
            )
        reading = width // config.history
        base_space = gym.spaces.Box(-np.inf, np.inf, (reading + len(config.parameters),), np.float32)
        base_class = AGENTS.get(config.base.name)
        if not issubclass(base_class, Agent):
            raise RlkitError(f"agent.base: '{config.base.name}' is not an rlkit Agent subclass")
        base_agent = base_class(config.base, base_space, action_space, num_envs, total_steps, device, seed)
        base = base_agent.deployable_policy()  # a frozen copy of the base agent's policy; the agent goes
        if base.spec.recurrent:
            raise RlkitError(
                f"agent 'rma' adapts a feed-forward base policy; agent '{config.base.name}' is recurrent"
            )
        self.base_spec = base.spec
        estimator = ParameterEstimator(
            adaptation_encoder(config.adaptation, config.history, reading), width, len(config.parameters)
        )
        #: φ then π: what acts here, and what a deployable copy is made of.
        self.policy = AdaptedPolicy(estimator, base.module, reading).to(device)
        self.estimator = estimator  # the same module as the policy's (moved with it)

    @classmethod
    def check_spaces(cls, observation_space: gym.Space[Any], action_space: gym.Space[Any]) -> None:
        if not (isinstance(observation_space, gym.spaces.Box) and len(observation_space.shape) == 1):
            raise RlkitError(
                f"agent 'rma' reads a flat Box of readings side by side (env.sensors.history); the env's "
                f"observation is {observation_space}"
            )

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        history = torch.as_tensor(np.asarray(obs), dtype=torch.float32, device=self.device)
        return self.policy(history).cpu().numpy()

    def deployable_policy(self) -> DeployablePolicy:
        """φ then π as one module (history in, env action out); its live estimator and base policy are the
        :attr:`DeployablePolicy.adaptation` parts (``rlkit distill`` fits the one and loads the other)."""
        spec = dataclasses.replace(
            self.base_spec,
            family="rma",
            agent=self.config.name,
            observation_shape=tuple(int(d) for d in self.observation_space.shape or ()),
            observation_dtype="float32",
        )
        parts = AdaptationParts(self.estimator, self.policy.base, tuple(self.config.parameters))
        return DeployablePolicy(deployable_copy(self.policy), spec, adaptation=parts)

    def _trained_elsewhere(self) -> RlkitError:
        # rlkit train refuses the agent before it starts (made_by); this is for callers of the loop's API
        return RlkitError(f"agent 'rma' is made by {self.made_by}, not trained by rlkit train")

    def explore(self, obs: np.ndarray, env_steps: int, actions: np.ndarray | None = None) -> np.ndarray:
        raise self._trained_elsewhere()

    def record(self, step: StepResult) -> None:
        raise self._trained_elsewhere()

    def update_due(self, env_steps: int) -> bool:
        return False

    def update(self, progress: float) -> dict[str, float]:
        raise self._trained_elsewhere()

    def state_dict(self) -> dict[str, Any]:
        return {"policy": self.policy.state_dict(), "gradient_steps_done": self.gradient_steps_done}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        load_module_states("rma network", {"policy": (self.policy, state.get("policy"))})
        self.gradient_steps_done = int(state.get("gradient_steps_done", 0))
