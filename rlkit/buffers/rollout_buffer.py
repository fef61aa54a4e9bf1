"""Fixed-size storage of one on-policy rollout, on the learner's device."""

from __future__ import annotations

from collections.abc import Iterator

import torch


class RolloutBuffer:
    """Holds ``n_steps`` vector steps of ``num_envs`` envs, preallocated, as (T, N, ...) tensors.

    Args:
        n_steps: Vector steps per rollout (T).
        num_envs: Envs per vector step (N).
        obs_shape: Shape of one (already normalized) observation.
        action_shape: Shape of one action as the policy produced it (``()`` for discrete).
        action_dtype: ``torch.long`` for discrete actions, ``torch.float32`` otherwise.
        device: Where the tensors live.
    """

    def __init__(
        self,
        n_steps: int,
        num_envs: int,
        obs_shape: tuple[int, ...],
        action_shape: tuple[int, ...],
        action_dtype: torch.dtype,
        device: torch.device,
    ) -> None:
        self.n_steps = n_steps
        self.num_envs = num_envs
        self.device = device
        t, n = n_steps, num_envs
        self.obs = torch.zeros((t, n, *obs_shape), dtype=torch.float32, device=device)
        self.actions = torch.zeros((t, n, *action_shape), dtype=action_dtype, device=device)
        self.log_probs = torch.zeros((t, n), device=device)
        self.values = torch.zeros((t, n), device=device)
        self.rewards = torch.zeros((t, n), device=device)
        self.terminated = torch.zeros((t, n), device=device)
        self.dones = torch.zeros((t, n), device=device)
        # V(final observation) where an episode was truncated at step t; zero elsewhere.
        self.truncation_values = torch.zeros((t, n), device=device)
        self.step = 0

    @property
    def full(self) -> bool:
        """Whether ``n_steps`` steps have been added since the last :meth:`reset`."""
        return self.step >= self.n_steps

    def add(
        self,
        obs: torch.Tensor,
        actions: torch.Tensor,
        log_probs: torch.Tensor,
        values: torch.Tensor,
        rewards: torch.Tensor,
        terminated: torch.Tensor,
        dones: torch.Tensor,
        truncation_values: torch.Tensor,
    ) -> None:
        """Store one vector step."""
        t = self.step
        self.obs[t] = obs
        self.actions[t] = actions
        self.log_probs[t] = log_probs
        self.values[t] = values
        self.rewards[t] = rewards
        self.terminated[t] = terminated
        self.dones[t] = dones
        self.truncation_values[t] = truncation_values
        self.step += 1

    def next_values(self, last_values: torch.Tensor) -> torch.Tensor:
        """V(s_{t+1}) for every step: the next stored value, ``last_values`` after the last step, and the
        value of the true final observation where an episode was truncated."""
        following = torch.cat([self.values[1:], last_values.unsqueeze(0)], dim=0)
        truncated = self.dones.bool() & ~self.terminated.bool()
        return torch.where(truncated, self.truncation_values, following)

    def reset(self) -> None:
        """Start a new rollout (storage is reused, not reallocated)."""
        self.step = 0


def minibatch_indices(
    size: int, batch_size: int, generator: torch.Generator, device: torch.device
) -> Iterator[torch.Tensor | None]:
    """Shuffled index batches covering ``range(size)`` once; the last batch may be smaller.

    When one batch covers everything it is ``None``, meaning "all samples": the order of a full batch does
    not change its gradient, so there is nothing to shuffle or gather.
    """
    if batch_size >= size:
        yield None
        return
    permutation = torch.randperm(size, generator=generator, device=generator.device).to(device)
    for start in range(0, size, batch_size):
        yield permutation[start : start + batch_size]
