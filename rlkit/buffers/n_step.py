"""N-step transitions built on the fly from a vector env's one-step results.

For each env a window holds the last steps not yet emitted. A transition leaves the window as

    (s_t, a_t, R = r_t + γ r_{t+1} + … + γ^{k-1} r_{t+k-1}, s_{t+k}, terminated, k)

and the learner bootstraps with ``γ^k Q(s_{t+k}, ·)`` unless ``terminated``. ``k = n`` while the episode runs
on. When the episode ends every transition still in the window leaves with the rewards up to the end:
``k`` is the number of steps actually summed and ``s_{t+k}`` is the episode's final observation. A terminated
episode cuts the sum and the bootstrap; a truncated one (time limit) bootstraps from that final observation,
which the training loop passes in ``StepResult.next_obs``. Windows never mix envs or episodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch


@dataclass(frozen=True)
class NStepTransitions:
    """Transitions ready for a replay buffer (first dimension: transitions)."""

    obs: np.ndarray
    actions: np.ndarray
    returns: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray
    steps: np.ndarray

    def __len__(self) -> int:
        return len(self.returns)


_FIELDS = tuple(NStepTransitions.__dataclass_fields__)


class NStepAccumulator:
    """Turns per-step vector-env results into n-step transitions, per env.

    Args:
        num_envs: Envs stepped in parallel.
        n: Rewards summed per transition (1: one-step transitions, emitted at once).
        gamma: Discount factor.
        obs_shape: Shape of one observation.
        obs_dtype: Its dtype.
        action_shape: Shape of one action (``()`` for discrete).
        action_dtype: Its dtype.
    """

    def __init__(
        self,
        num_envs: int,
        n: int,
        gamma: float,
        obs_shape: tuple[int, ...],
        obs_dtype: np.dtype,
        action_shape: tuple[int, ...],
        action_dtype: np.dtype,
    ) -> None:
        if n < 1:
            raise ValueError(f"n-step returns need n >= 1, got {n}")
        self.num_envs = num_envs
        self.n = n
        self.gamma = gamma
        self.discounts = gamma ** np.arange(n, dtype=np.float64)
        self.obs = np.zeros((num_envs, n, *obs_shape), dtype=obs_dtype)
        self.actions = np.zeros((num_envs, n, *action_shape), dtype=action_dtype)
        self.rewards = np.zeros((num_envs, n), dtype=np.float64)
        self.length = np.zeros(num_envs, dtype=np.int64)
        # The latest next observation of each env, so pending windows can be closed as truncated.
        self.last_next_obs = np.zeros((num_envs, *obs_shape), dtype=obs_dtype)

    def pending(self) -> int:
        """Steps waiting in the windows."""
        return int(self.length.sum())

    def push(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        next_obs: np.ndarray,
        terminated: np.ndarray,
        truncated: np.ndarray,
    ) -> NStepTransitions:
        """Add one vector step; return the transitions it completes (envs with a full window, then every
        pending step of envs whose episode ended, each env's in time order)."""
        envs = np.arange(self.num_envs)
        self.obs[envs, self.length] = obs
        self.actions[envs, self.length] = actions
        self.rewards[envs, self.length] = rewards
        self.length += 1
        self.last_next_obs[:] = next_obs
        terminated = np.asarray(terminated, dtype=bool)
        done = terminated | np.asarray(truncated, dtype=bool)
        parts = []
        full = np.flatnonzero(~done & (self.length == self.n))
        if full.size:
            parts.append(
                NStepTransitions(
                    obs=self.obs[full, 0].copy(),
                    actions=self.actions[full, 0].copy(),
                    returns=self.rewards[full] @ self.discounts,
                    next_obs=np.asarray(next_obs)[full],
                    terminated=np.zeros(full.size, dtype=bool),
                    steps=np.full(full.size, self.n, dtype=np.int64),
                )
            )
            # Slide those windows by one step.
            self.obs[full, :-1] = self.obs[full, 1:]
            self.actions[full, :-1] = self.actions[full, 1:]
            self.rewards[full, :-1] = self.rewards[full, 1:]
            self.length[full] -= 1
        for env in np.flatnonzero(done):
            parts.append(self._drain(int(env), np.asarray(next_obs)[env], bool(terminated[env])))
        return self._concatenate(parts)

    def flush(self, envs: np.ndarray | None = None) -> NStepTransitions:
        """Close the pending windows of ``envs`` (a bool mask; None: every env) as truncated, bootstrapping
        from each env's latest next observation (for when envs are reset without their episodes ending)."""
        pending = self.length > 0 if envs is None else (self.length > 0) & envs
        parts = [self._drain(int(env), self.last_next_obs[env], False) for env in np.flatnonzero(pending)]
        return self._concatenate(parts)

    def _drain(self, env: int, final_obs: np.ndarray, terminated: bool) -> NStepTransitions:
        count = int(self.length[env])
        returns = np.zeros(count, dtype=np.float64)
        running = 0.0
        for i in reversed(range(count)):
            running = self.rewards[env, i] + self.gamma * running
            returns[i] = running
        self.length[env] = 0
        return NStepTransitions(
            obs=self.obs[env, :count].copy(),
            actions=self.actions[env, :count].copy(),
            returns=returns,
            next_obs=np.repeat(final_obs[None], count, axis=0),
            terminated=np.full(count, terminated),
            steps=count - np.arange(count, dtype=np.int64),
        )

    def _concatenate(self, parts: list[NStepTransitions]) -> NStepTransitions:
        if not parts:
            return NStepTransitions(
                obs=self.obs[:0, 0],
                actions=self.actions[:0, 0],
                returns=np.zeros(0),
                next_obs=self.last_next_obs[:0],
                terminated=np.zeros(0, dtype=bool),
                steps=np.zeros(0, dtype=np.int64),
            )
        if len(parts) == 1:
            return parts[0]
        return NStepTransitions(*(np.concatenate([getattr(p, name) for p in parts]) for name in _FIELDS))

    def state_dict(self) -> dict[str, Any]:
        """The pending windows, as tensors."""
        return {
            "obs": torch.from_numpy(self.obs.copy()),
            "actions": torch.from_numpy(self.actions.copy()),
            "rewards": torch.from_numpy(self.rewards.copy()),
            "length": torch.from_numpy(self.length.copy()),
            "last_next_obs": torch.from_numpy(self.last_next_obs.copy()),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        for name in ("obs", "actions", "rewards", "length", "last_next_obs"):
            getattr(self, name)[:] = state[name].numpy()
