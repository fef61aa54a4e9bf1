"""The ``agent`` section of an ``sb3:<Algo>`` run, and how it becomes the SB3 constructor's arguments.

Shape::

    agent:
      name: "sb3:SAC"              # any algorithm of stable_baselines3 or sb3_contrib
      policy: MlpPolicy            # None: MultiInputPolicy (Dict obs), CnnPolicy (images), else MlpPolicy
      hyperparameters:             # passed to SAC(...) unchanged
        learning_rate: 1.0e-3
        buffer_size: 100000
      schedules: {learning_rate: linear}   # anneal a hyperparameter linearly to 0 over the run

rlkit's own fields map where SB3 has the same concept, so that an rlkit preset switches with just
``agent.name=sb3:PPO``: ``lr`` (and ``lr_schedule: linear``, ``lr_end_factor``) → ``learning_rate``,
``max_grad_norm``, ``network.hidden_sizes`` / ``network.activation`` → ``policy_kwargs``; any other key at the
top of the section (``n_steps: 32``) is a hyperparameter and ``<key>_schedule: linear`` a schedule. The rest
of rlkit's optimization fields (``optimizer``, ``weight_decay``, ...) are errors: SB3 builds its own
optimizer (``hyperparameters.policy_kwargs``). ``train.seed``, ``train.device``, ``rollout.num_envs`` and
``train.total_steps`` are rlkit's, so ``seed``, ``device`` and ``env`` are not hyperparameters.

Hyperparameter names are checked against the algorithm's constructor when the config loads; their values
when the agent builds the model (SB3's own checks), both as one :class:`~rlkit.errors.ConfigError` line.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any, Literal

import torch
from pydantic import Field, model_validator

from rlkit.config.schema import AgentConfig, NetworkConfig, OptimizerName
from rlkit.errors import ConfigError, RlkitError

#: The packages whose algorithms ``sb3:<Algo>`` names, in lookup order.
PACKAGES = ("stable_baselines3", "sb3_contrib")
#: Constructor arguments rlkit sets from its own sections.
RLKIT_OWNED = {"policy": "agent.policy", "env": "env", "seed": "train.seed", "device": "train.device"}
#: rlkit optimization fields that SB3 has no equivalent for (its optimizer comes from policy_kwargs).
UNSUPPORTED = (
    "optimizer",
    "lr_warmup_fraction",
    "lr_step_fraction",
    "lr_step_gamma",
    "weight_decay",
    "momentum",
    "nesterov",
    "optimizer_eps",
)
ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "elu": "ELU", "gelu": "GELU", "silu": "SiLU"}


def algorithm_names() -> dict[str, list[str]]:
    """The algorithms each installed package offers, by package."""
    from stable_baselines3.common.base_class import BaseAlgorithm  # optional dependency: loaded on use

    names: dict[str, list[str]] = {}
    for package in PACKAGES:
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        names[package] = sorted(
            name
            for name in dir(module)
            if isinstance(getattr(module, name), type) and issubclass(getattr(module, name), BaseAlgorithm)
        )
    return names


def resolve_algorithm(name: str) -> type:
    """The SB3 algorithm class called ``name`` (``PPO``, ``TQC``, ...); a miss lists the installed ones."""
    for package, names in algorithm_names().items():
        if name in names:
            return getattr(importlib.import_module(package), name)
    known = "; ".join(f"{package}: {', '.join(names)}" for package, names in algorithm_names().items())
    raise RlkitError(f"unknown Stable-Baselines3 algorithm '{name}' (installed: {known})")


def constructor_parameters(algorithm: type) -> dict[str, inspect.Parameter]:
    """The keyword arguments ``algorithm(...)`` takes (its ``__init__``'s, without ``self``)."""
    return dict(inspect.signature(algorithm).parameters)


class LinearSchedule:
    """SB3's schedule protocol (``progress_remaining`` 1 → 0): from ``start`` to ``start * end_factor``."""

    def __init__(self, start: float, end_factor: float = 0.0) -> None:
        self.start, self.end_factor = float(start), end_factor

    def __call__(self, progress_remaining: float) -> float:
        return self.start * (self.end_factor + (1.0 - self.end_factor) * progress_remaining)


class Sb3Config(AgentConfig):
    """An algorithm of Stable-Baselines3 (or sb3-contrib) trained on rlkit's env stack."""

    policy: str | None = Field(
        None,
        description="SB3 policy (None: MultiInputPolicy for Dict obs, CnnPolicy for images, else MlpPolicy)",
    )
    hyperparameters: dict[str, Any] = Field(
        default_factory=dict, description="keyword arguments for the SB3 algorithm's constructor, unchanged"
    )
    schedules: dict[str, Literal["constant", "linear"]] = Field(
        default_factory=dict, description="hyperparameters annealed over the run: linear (to 0) or constant"
    )
    # rlkit's shared fields: None means "not set" (SB3's default), so a saved config reloads the same.
    network: NetworkConfig | None = Field(None, description="hidden_sizes and activation → policy_kwargs")
    lr: float | None = Field(None, gt=0, description="→ learning_rate")
    lr_schedule: Literal["constant", "linear"] | None = Field(None, description="linear: anneal the lr")
    lr_end_factor: float | None = Field(None, ge=0, le=1, description="linear lr: final fraction of lr")
    max_grad_norm: float | None = Field(None, gt=0, description="→ max_grad_norm (algorithms that clip)")
    optimizer: OptimizerName | None = Field(None, description="not used: SB3 builds its own optimizer")
    lr_warmup_fraction: float | None = Field(None, description="not used by sb3 agents")
    lr_step_fraction: float | None = Field(None, description="not used by sb3 agents")
    lr_step_gamma: float | None = Field(None, description="not used by sb3 agents")
    weight_decay: float | None = Field(None, description="not used: hyperparameters.policy_kwargs")
    momentum: float | None = Field(None, description="not used by sb3 agents")
    nesterov: bool | None = Field(None, description="not used by sb3 agents")
    optimizer_eps: float | None = Field(None, description="not used by sb3 agents")

    @property
    def algorithm_name(self) -> str:
        """``PPO`` for ``sb3:PPO``."""
        return self.name.partition(":")[2]

    @model_validator(mode="before")
    @classmethod
    def _flat_keys_are_hyperparameters(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        raw = dict(raw)
        hyperparameters = dict(raw.get("hyperparameters") or {})
        schedules = dict(raw.get("schedules") or {})
        for key in [key for key in raw if key not in cls.model_fields]:
            value = raw.pop(key)
            target, name = (
                (schedules, key[: -len("_schedule")])
                if key.endswith("_schedule")
                else (
                    hyperparameters,
                    key,
                )
            )
            if name in target:
                raise ConfigError(f"config key 'agent.{key}' is given twice (also under the section's map)")
            target[name] = value
        if hyperparameters:
            raw["hyperparameters"] = hyperparameters
        if schedules:
            raw["schedules"] = schedules
        return raw

    @model_validator(mode="after")
    def _names_the_algorithm_takes(self) -> Sb3Config:
        for key in UNSUPPORTED:
            if getattr(self, key) is not None:
                raise ConfigError(
                    f"config key 'agent.{key}' does not apply to Stable-Baselines3 agents "
                    "(SB3 builds its optimizer: set agent.hyperparameters.policy_kwargs)"
                )
        try:
            algorithm = resolve_algorithm(self.algorithm_name)
        except RlkitError as exc:
            raise ConfigError(f"config key 'agent.name': {exc}") from None
        parameters = constructor_parameters(algorithm)
        for key in self.hyperparameters:
            if key in RLKIT_OWNED:
                raise ConfigError(
                    f"config key 'agent.hyperparameters.{key}' is set by rlkit: use {RLKIT_OWNED[key]}"
                )
            if key not in parameters or key.startswith("_"):
                valid = ", ".join(p for p in parameters if p not in RLKIT_OWNED and not p.startswith("_"))
                raise ConfigError(
                    f"config key 'agent.hyperparameters.{key}': {algorithm.__name__}.__init__() has no "
                    f"argument '{key}' (valid: {valid})"
                )
        for key in self.schedules:
            if key not in parameters:
                raise ConfigError(f"config key 'agent.schedules.{key}': {algorithm.__name__} has no '{key}'")
        for field, target in (("lr", "learning_rate"), ("max_grad_norm", "max_grad_norm")):
            if getattr(self, field) is None:
                continue
            if target not in parameters:
                raise ConfigError(f"config key 'agent.{field}': {algorithm.__name__} has no '{target}'")
            if target in self.hyperparameters:
                raise ConfigError(
                    f"config key 'agent.{field}' and 'agent.hyperparameters.{target}' are both set"
                )
        if self.network is not None and (
            self.network.layer_norm or self.network.shared_encoder or self.network.cnn != "nature"
        ):
            raise ConfigError(
                "config key 'agent.network': sb3 agents take only hidden_sizes and activation "
                "(set the rest through agent.hyperparameters.policy_kwargs)"
            )
        return self

    def sb3_argument(self, key: str) -> Any:
        """The value SB3 will use for its constructor argument ``key`` (``n_steps``, ``learning_starts``):
        the one set here, else the algorithm's default (None: the algorithm has no such argument)."""
        if key in self.hyperparameters:
            return self.hyperparameters[key]
        parameter = constructor_parameters(resolve_algorithm(self.algorithm_name)).get(key)
        if parameter is None or parameter.default is inspect.Parameter.empty:
            return None
        return parameter.default

    def constructor_kwargs(self, algorithm: type) -> dict[str, Any]:
        """The keyword arguments for ``algorithm(policy, env, seed=..., device=..., **kwargs)``."""
        kwargs = dict(self.hyperparameters)
        parameters = constructor_parameters(algorithm)
        if self.lr is not None:
            kwargs["learning_rate"] = self.lr
        if self.max_grad_norm is not None:
            kwargs["max_grad_norm"] = self.max_grad_norm
        schedules = dict(self.schedules)
        if self.lr_schedule is not None:
            schedules.setdefault("learning_rate", self.lr_schedule)
        for key, kind in schedules.items():
            start = kwargs.get(key, parameters[key].default)
            if kind == "linear":
                if not isinstance(start, (int, float)):
                    raise ConfigError(
                        f"config key 'agent.schedules.{key}': '{key}' is not a number ({start!r})"
                    )
                end = (self.lr_end_factor or 0.0) if key == "learning_rate" else 0.0
                kwargs[key] = LinearSchedule(start, end)
        policy_kwargs = dict(kwargs.get("policy_kwargs") or {})
        if self.network is not None:
            policy_kwargs.setdefault("net_arch", list(self.network.hidden_sizes))
            policy_kwargs.setdefault("activation_fn", self.network.activation)
        activation = policy_kwargs.get("activation_fn")
        if isinstance(activation, str):  # YAML cannot name a class: relu, tanh, elu, gelu, silu
            if activation not in ACTIVATIONS:
                raise ConfigError(
                    f"config key 'agent.hyperparameters.policy_kwargs.activation_fn': '{activation}' is not "
                    f"one of {', '.join(ACTIVATIONS)}"
                )
            policy_kwargs["activation_fn"] = getattr(torch.nn, ACTIVATIONS[activation])
        if policy_kwargs:
            kwargs["policy_kwargs"] = policy_kwargs
        return kwargs
