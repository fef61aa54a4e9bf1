"""What goes in and out of a deployable policy: observation, action and recurrent state, as export describes
them in the sidecar JSON and the model's metadata, and as parity checks read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.nn.memory import RecurrentCore

#: The families of the built-in agents and how their policies are exported (a user agent may name its own).
FAMILIES = ("actor_critic", "recurrent_actor_critic", "dqn", "r2d2", "off_policy_actor", "rma")

RESET_RULE = (
    "feed episode_start=1 on the first observation of every episode (and on the first call): the state is "
    "zeroed before that step; otherwise feed the state the previous call returned. Initial state: zeros."
)


@dataclass(frozen=True)
class StateSpec:
    """One recurrent state tensor: its input and output names and its shape without the batch axis."""

    name: str
    num_layers: int
    hidden_size: int

    @property
    def output_name(self) -> str:
        """The name of the output that carries this state to the next call."""
        return f"next_{self.name}"

    def shape(self, batch: int | str = "batch") -> list[int | str]:
        """``[num_layers, batch, hidden_size]``."""
        return [self.num_layers, batch, self.hidden_size]


def state_specs(core: RecurrentCore, prefix: str = "") -> tuple[StateSpec, ...]:
    """The state tensors of a recurrent core: ``h`` and ``c`` for an LSTM, ``h`` for a GRU."""
    names = ("h", "c") if core.cell == "lstm" else ("h",)
    return tuple(StateSpec(f"{prefix}{name}", core.num_layers, core.hidden_size) for name in names)


def action_description(action_space: gym.Space[Any], squash: bool) -> dict[str, Any]:
    """The env's action space as the deployed policy outputs it (JSON-ready).

    Args:
        action_space: A Discrete or Box action space.
        squash: Box actions are tanh-squashed and rescaled to the bounds (else clipped to them).
    """
    if isinstance(action_space, gym.spaces.Discrete):
        return {"type": "discrete", "n": int(action_space.n), "start": int(action_space.start)}
    if not isinstance(action_space, gym.spaces.Box):
        raise TypeError(f"a deployable policy acts in a Discrete or Box action space, not {action_space}")
    return {
        "type": "box",
        "shape": [int(d) for d in action_space.shape],
        "dtype": str(np.dtype(action_space.dtype)),
        "low": action_space.low.astype(float).tolist(),
        "high": action_space.high.astype(float).tolist(),
        "mapping": "tanh-squashed, rescaled to [low, high]" if squash else "clipped to [low, high]",
    }


@dataclass(frozen=True)
class DeploySpec:
    """What goes in and out of a deployable policy, for the sidecar JSON, the metadata and parity checks.

    Attributes:
        family: How the policy is built (one of :data:`FAMILIES` for the built-in agents).
        agent: The agent's name (``agent.name``).
        observation_shape: The observation the policy takes, without the batch axis.
        observation_dtype: ``uint8`` for pixels, ``float32`` for anything else.
        action: The action space as :func:`action_description` describes it.
        states: The recurrent state tensors, in input order (empty: feed-forward).
        privileged_policy_part: The policy reads only the ``policy`` part of a ``Dict{policy, privileged}``.
        action_mask: The observation's last ``action_mask`` columns are the legal moves (0: no mask).
    """

    family: str
    agent: str
    observation_shape: tuple[int, ...]
    observation_dtype: str
    action: dict[str, Any]
    states: tuple[StateSpec, ...] = field(default_factory=tuple)
    privileged_policy_part: bool = False
    action_mask: int = 0

    @classmethod
    def of_spaces(
        cls,
        family: str,
        agent: str,
        observation_space: gym.spaces.Box,
        action_space: gym.Space[Any],
        squash: bool = False,
        states: tuple[StateSpec, ...] = (),
        privileged_policy_part: bool = False,
        action_mask: int = 0,
    ) -> DeploySpec:
        """The spec of a policy that reads ``observation_space`` and acts in ``action_space``.

        Args:
            family: How the policy is built.
            agent: The agent's name.
            observation_space: The Box the deployed policy reads (a privileged Dict's ``policy`` part).
            action_space: The env's action space.
            squash: Box actions are tanh-squashed and rescaled (else clipped).
            states: The recurrent state tensors.
            privileged_policy_part: ``observation_space`` is the policy part of a privileged Dict.
            action_mask: ``observation_space`` ends with this many action-mask columns.
        """
        return cls(
            family=family,
            agent=agent,
            observation_shape=tuple(int(d) for d in observation_space.shape),
            # uint8 pixels go in as the env gives them (the graph casts, the CNN scales by 1/255); any other
            # observation as float32, the dtype every agent acts on
            observation_dtype="uint8" if np.dtype(observation_space.dtype) == np.uint8 else "float32",
            action=action_description(action_space, squash),
            states=states,
            privileged_policy_part=privileged_policy_part,
            action_mask=action_mask,
        )

    @property
    def recurrent(self) -> bool:
        """Whether the policy carries explicit recurrent state from call to call."""
        return bool(self.states)

    @property
    def input_names(self) -> list[str]:
        """``obs``, then each state, then (recurrent) ``episode_start``."""
        return ["obs", *(s.name for s in self.states), *(["episode_start"] if self.states else [])]

    @property
    def output_names(self) -> list[str]:
        """``action``, then each state's next value."""
        return ["action", *(s.output_name for s in self.states)]

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description of inputs, outputs and (recurrent) the state reset rule."""
        inputs: dict[str, Any] = {
            "obs": {
                "shape": ["batch", *self.observation_shape],
                "dtype": self.observation_dtype,
                "note": (
                    "the 'policy' part of the Dict observation only"
                    if self.privileged_policy_part
                    else "the env's observation as it returns it"
                )
                + (
                    f", then its 'action_mask' ({self.action_mask} columns, 1: a legal move)"
                    if self.action_mask
                    else ""
                ),
            }
        }
        outputs: dict[str, Any] = {"action": self.action_output()}
        for state in self.states:
            inputs[state.name] = {"shape": state.shape(), "dtype": "float32"}
            outputs[state.output_name] = {"shape": state.shape(), "dtype": "float32"}
        description: dict[str, Any] = {
            "family": self.family,
            "agent": self.agent,
            "inputs": inputs,
            "outputs": outputs,
            "action_space": self.action,
            "recurrent": self.recurrent,
        }
        if self.states:
            inputs["episode_start"] = {
                "shape": ["batch"],
                "dtype": "float32",
                "note": "1.0 where obs is the first observation of an episode, else 0.0",
            }
            description["reset_rule"] = RESET_RULE
        return description

    def action_output(self) -> dict[str, Any]:
        """The shape and dtype of the ``action`` output."""
        if self.action["type"] == "discrete":
            return {"shape": ["batch"], "dtype": "int64"}
        return {"shape": ["batch", *self.action["shape"]], "dtype": self.action["dtype"]}
