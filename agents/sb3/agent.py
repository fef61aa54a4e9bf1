"""``agent.name: sb3:<Algo>``: any Stable-Baselines3 / sb3-contrib algorithm inside rlkit's training loop.

Design. SB3 algorithms own their loop (``model.learn()``: collect, then train, with their own schedules,
buffers and counters). Rather than re-driving SB3's private ``collect_rollouts`` / ``train`` internals from
rlkit's loop, :class:`Sb3Agent` runs ``learn()`` unchanged in a worker thread on a
:class:`~rlkit.agents.sb3.bridge.LoopBridge`, an SB3 ``VecEnv`` whose steps are the rlkit loop's steps:
``explore(obs)`` hands ``obs`` (with the previous step's outcome) to SB3 and returns the actions SB3 chose;
``record(step)`` keeps the outcome. The two threads strictly alternate, so everything of rlkit's stays as it
is for every other agent: the env stack (``make_env``: randomization, sensors, pixels) on any rollout backend,
``metrics.csv`` and TensorBoard, periodic evaluation, ``target_return``, checkpoints, Ctrl-C, ``rlkit eval``
and ``--video``. SB3's ``train/*`` values (losses, entropy, ...) become the metrics of :meth:`update`, due
after each of SB3's own training phases. rlkit's ``train.seed``, ``train.device``, ``rollout.num_envs`` and
``train.total_steps`` are SB3's ``seed``, ``device``, ``n_envs`` and ``total_timesteps``.

Checkpoints hold no pickle (SB3's ``.zip`` files need cloudpickle to load): the state is SB3's
``get_parameters()`` (the policy's and every optimizer's ``state_dict``), its torch variables (SAC's
``log_ent_coef``) and its step counters. The model is rebuilt from the config and the env's spaces, then the
state is loaded. Resuming continues networks, optimizers and schedules; an off-policy replay buffer is not
saved (it starts empty again), nor is a partly collected on-policy rollout.
"""

from __future__ import annotations

import functools
import weakref
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlkit.agents.base import Agent, StepResult
from rlkit.agents.sb3.config import Sb3Config, resolve_algorithm
from rlkit.errors import ConfigError
from rlkit.nn.state_mismatch import check_module_states
from rlkit.policy import Policy

#: Step counters of SB3's algorithms that schedules and target updates follow (those the model has).
COUNTERS = ("num_timesteps", "_n_updates", "_n_calls", "_episode_num")


def default_policy(observation_space: gym.Space[Any]) -> str:
    """MultiInputPolicy for Dict observations, CnnPolicy for images, else MlpPolicy."""
    from stable_baselines3.common.preprocessing import is_image_space  # optional dependency: loaded on use

    if isinstance(observation_space, gym.spaces.Dict):
        return "MultiInputPolicy"
    if is_image_space(observation_space, check_channels=False):
        return "CnnPolicy"
    return "MlpPolicy"


class Sb3Agent(Agent):
    """A Stable-Baselines3 algorithm learning through its own ``learn()`` on rlkit's envs."""

    config_class = Sb3Config
    config: Sb3Config

    def __init__(
        self,
        config: Sb3Config,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        num_envs: int,
        total_steps: int,
        device: torch.device,
        seed: int,
    ) -> None:
        super().__init__(config, observation_space, action_space, num_envs, total_steps, device, seed)
        from stable_baselines3.common.logger import Logger  # SB3 is an optional dependency: loaded on use

        from rlkit.agents.sb3.bridge import LoopBridge

        algorithm = resolve_algorithm(config.algorithm_name)
        self.bridge = LoopBridge(num_envs, observation_space, action_space)
        policy = config.policy or default_policy(observation_space)
        try:
            self.model = algorithm(
                policy,
                self.bridge,
                seed=seed,
                device=device,
                **config.constructor_kwargs(algorithm),
            )
        except ConfigError:
            raise
        except Exception as exc:  # SB3 checks its arguments with asserts, ValueErrors, TypeErrors, ...
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(
                f"config section 'agent' ({config.name}, policy {policy}): Stable-Baselines3 rejected it: "
                f"{message[:300]}"
            ) from None
        # rlkit writes the metrics; SB3's default logger would also make an empty /tmp/SB3-<time> folder
        # at every learn(). Without outputs its values are still recorded for _report_training.
        self.model.set_logger(Logger(folder=None, output_formats=[]))
        self._metrics: dict[str, float] = {}
        self._last_step = False
        self._report_training(self.model, self._metrics)
        self._optimizer_steps = self._count_optimizer_steps(self.model)
        weakref.finalize(self, self.bridge.stop)  # the worker thread waits for a loop that is gone

    @staticmethod
    def _report_training(model: Any, metrics: dict[str, float]) -> None:
        """After each of SB3's training phases, keep its ``train/*`` values for :meth:`update` (the worker
        thread must not hold the agent, or the agent would never be collected)."""
        train = model.train

        def train_and_report(*args: Any, **kwargs: Any) -> None:
            train(*args, **kwargs)
            for key, value in model.logger.name_to_value.items():
                if key.startswith("train/") and isinstance(value, (int, float, np.number)):
                    metrics[key] = float(value)

        model.train = train_and_report

    @staticmethod
    def _count_optimizer_steps(model: Any) -> list[int]:
        """A one-item list that counts SB3's gradient steps: the steps of the critic's optimizer where the
        algorithm has one (SAC, TD3, TQC step it once per gradient step, beside the actor's and the entropy
        coefficient's), else of the policy's (PPO, A2C, DQN: one per minibatch). SB3's own ``_n_updates``
        counts PPO's epochs, not its minibatches. The list, not the agent, is what the hook holds."""
        steps = [0]
        critic = getattr(model, "critic", None)
        optimizer = getattr(critic, "optimizer", None) or getattr(model.policy, "optimizer", None)
        if isinstance(optimizer, torch.optim.Optimizer):

            def count(*_: Any) -> None:
                steps[0] += 1

            optimizer.register_step_post_hook(count)
        return steps

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        actions, _ = self.model.policy.predict(obs, deterministic=deterministic)
        return actions

    def make_policy(self, deterministic: bool = True) -> Policy:
        policy = self.model.policy
        if not hasattr(policy, "lstm_actor"):
            return super().make_policy(deterministic)
        state: Any = None

        def recurrent(obs: np.ndarray, episode_starts: np.ndarray) -> np.ndarray:  # sb3_contrib RecurrentPPO
            nonlocal state
            actions, state = policy.predict(obs, state, episode_starts, deterministic)
            return actions

        return recurrent

    def explore(self, obs: np.ndarray, env_steps: int, actions: np.ndarray | None = None) -> np.ndarray:
        if actions is not None:
            raise NotImplementedError("sb3 agents do not act on rollout workers")
        self._last_step = env_steps + self.num_envs >= self.total_steps
        chosen = self.bridge.actions_for(obs, functools.partial(_learn, self.model, self.total_steps))
        return self.act(obs, deterministic=False) if chosen is None else chosen

    def record(self, step: StepResult) -> None:
        self.bridge.record(step)
        if self._last_step:
            self.bridge.flush()

    def envs_reset(self, envs: np.ndarray | None = None) -> None:
        self.bridge.cut_episodes(envs)

    def update_due(self, env_steps: int) -> bool:
        return bool(self._metrics)

    def update(self, progress: float) -> dict[str, float]:
        metrics = dict(self._metrics)
        self._metrics.clear()
        self.gradient_steps_done = self._optimizer_steps[0]
        return metrics

    def state_dict(self) -> dict[str, Any]:
        _, variables = self.model._get_torch_save_params()
        return {
            "algorithm": self.config.algorithm_name,
            "parameters": self.model.get_parameters(),
            "variables": {name: _attr(self.model, name).detach().cpu().clone() for name in variables},
            "counters": {
                name: int(getattr(self.model, name)) for name in COUNTERS if hasattr(self.model, name)
            },
            "gradient_steps_done": self._optimizer_steps[0],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("algorithm") != self.config.algorithm_name:
            raise ConfigError(
                f"checkpoint holds an sb3:{state.get('algorithm')} agent, not {self.config.name}"
            )
        # SB3 hands a mismatch to torch, whose error lists every tensor: name the first in one sentence.
        networks = {
            name: (network, saved)
            for name, saved in state["parameters"].items()
            if isinstance(network := _attr(self.model, name, None), torch.nn.Module)
        }
        check_module_states(f"{self.config.name} network", networks)
        self.model.set_parameters(state["parameters"], exact_match=True, device=self.model.device)
        with torch.no_grad():
            for name, value in state["variables"].items():
                _attr(self.model, name).copy_(value)
        for name, value in state["counters"].items():
            setattr(self.model, name, value)
        self._optimizer_steps[0] = int(state.get("gradient_steps_done", 0))
        self.gradient_steps_done = self._optimizer_steps[0]


def _learn(model: Any, total_steps: int) -> None:
    """SB3's own loop up to rlkit's ``train.total_steps`` (the rest of it, after a resume)."""
    fresh = model.num_timesteps == 0
    model.learn(max(total_steps - model.num_timesteps, 1), reset_num_timesteps=fresh)


def _attr(obj: Any, dotted: str, *default: Any) -> Any:
    """``obj.a.b`` for ``"a.b"``; ``default`` (when given) where an attribute is missing."""
    for part in dotted.split("."):
        obj = getattr(obj, part, *default)
    return obj
