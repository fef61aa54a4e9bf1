"""Fixed-length episodes whose end is the task's end: a time limit reported as termination.

Gymnasium reports an episode cut off by a time limit as ``truncated``, and rlkit's agents bootstrap from its
last state's value, as the time limit is the usual artefact of training rather than part of the task. Where
the length is part of the task (the Multi Particle Environments' 25-step episodes, scored by their summed
reward), the value of the last state is nothing more: MARL benchmarks such as MAPPO's treat that end as
terminal. ``env.truncation_is_termination`` does the same.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym


class TruncationAsTermination(gym.Wrapper[Any, Any, Any, Any]):
    """Report every truncated step as terminated (so no agent bootstraps past the episode's end)."""

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, reward, bool(terminated or truncated), False, info
