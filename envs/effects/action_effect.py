"""The base of the actuator effects on arrays: a batch of actions changed between the policy and the sims.

A batch of actions is a ``(n, action_dims)`` array, row ``k`` the action sent to one env. The same class
serves the batched backend (a batch of ``num_envs``) and the per-env wrapper
(:class:`rlkit.envs.actuators.actuator.ActuatorWrapper`, a batch of one), so each effect is implemented once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium.spaces import Box

from rlkit.envs.effects.streams import EVERY_ENV, EnvStreams, Rows


def neutral_action(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The action an actuator applies before it has received one: per dimension, 0 where 0 lies in
    [low, high] (no torque, no velocity), else the centre of the range."""
    return np.where((low <= 0.0) & (high >= 0.0), 0.0, (low + high) / 2.0)


def action_bounds(space: Box) -> tuple[np.ndarray, np.ndarray] | None:
    """The float64 bounds of a 1-D ``Box`` action space with finite bounds, else None."""
    if not (
        isinstance(space, Box)
        and len(space.shape) == 1
        and np.isfinite(space.low).all()
        and np.isfinite(space.high).all()
    ):
        return None
    return space.low.astype(np.float64), space.high.astype(np.float64)


class ActionEffect:
    """Changes a batch of actions; the action space is left unchanged.

    A subclass implements :meth:`_applied` (the actions the envs receive, from those the policy sent) and,
    where it keeps per-episode state (one row per env), :meth:`_start_episodes`. Both work in float64; this
    class converts the result to the action space's dtype. :meth:`_applied` receives a float64 copy of the
    sent actions that is its own (it may change it in place, or keep it).

    Args:
        space: The (single env's) action space: a 1-D ``Box`` with finite bounds.
        num_envs: Envs in the batch.
        stream: Name of the effect's random stream.

    Attributes:
        low, high: The action bounds (float64).
        neutral: The neutral action, see :func:`neutral_action`.

    Raises:
        ValueError: The action space is not a 1-D ``Box`` with finite bounds.
    """

    def __init__(self, space: Box, num_envs: int, stream: str) -> None:
        bounds = action_bounds(space)
        if bounds is None:
            raise ValueError(
                f"{type(self).__name__} needs a 1-D Box action space with finite bounds, got {space}"
            )
        self.low, self.high = bounds
        self.neutral = neutral_action(self.low, self.high)
        self.num_envs = num_envs
        self.streams = EnvStreams(stream, num_envs)
        self._dtype = space.dtype

    def reset(self, rows: Rows = EVERY_ENV, seeds: Sequence[int | None] | None = None) -> None:
        """Start the episodes of envs ``rows``; ``seeds`` (one per env, None: continue) re-seed first."""
        self.streams.reseed(rows, seeds)
        self._start_episodes(rows)

    def __call__(self, actions: np.ndarray) -> np.ndarray:
        """The actions every env receives, ``(num_envs, action_dims)`` in the action space's dtype."""
        return self._applied(np.array(actions, dtype=np.float64)).astype(self._dtype)

    def _start_episodes(self, rows: Rows) -> None:
        """Clear envs ``rows``' per-episode state (after their streams are re-seeded)."""

    def _applied(self, actions: np.ndarray) -> np.ndarray:
        """The actions the envs receive, given those the policy sent (float64, every env)."""
        raise NotImplementedError
