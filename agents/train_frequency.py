"""When a replay-based agent learns: ``gradient_steps`` per ``train_freq`` env steps after its warm-up.

The loop asks once per vector step, and one vector step adds ``num_envs`` env steps: with 8 envs and
``train_freq=4`` two periods elapse between questions. Counting whole periods since the last update (not
"an update is due") keeps the configured update-to-data ratio whatever the number of envs, as
Stable-Baselines3 does with its ``train_freq`` in steps and ``gradient_steps`` per period. Every off-policy
agent (DQN family, R2D2, SAC, TD3) counts through this one class.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TrainFrequency:
    """Counts elapsed ``train_freq`` periods of env steps; the first one ends at ``learning_starts``.

    Attributes:
        train_freq: Env steps per period.
        learning_starts: Env steps before the first period can end.
        last_update_step: The env step at which the last counted period ended (0 before any).
    """

    train_freq: int
    learning_starts: int
    last_update_step: int = 0

    def _anchor(self) -> int:
        # Periods are counted so that the first one ends exactly at learning_starts.
        return max(self.last_update_step, self.learning_starts - self.train_freq)

    def periods_due(self, env_steps: int) -> int:
        """Whole periods ended by ``env_steps`` and not taken yet (0 before ``learning_starts``)."""
        if env_steps < self.learning_starts:
            return 0
        return (env_steps - self._anchor()) // self.train_freq

    def take(self, env_steps: int) -> int:
        """Mark the periods ended by ``env_steps`` as taken and return how many there were (at least one:
        the caller updates only when :meth:`periods_due` said so)."""
        periods = max(self.periods_due(env_steps), 1)
        self.last_update_step = self._anchor() + periods * self.train_freq
        return periods
