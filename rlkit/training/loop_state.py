"""The training loop's state: what a checkpoint keeps under ``"trainer"`` for a resume to go on from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class LoopState:
    """Where the loop stands: its counters, the recent episodes and the episodes in flight at the last save.

    Checkpoints hold it as a plain dict (:meth:`to_dict`), which ``torch.load(weights_only=True)`` reads;
    :meth:`from_dict` reads the dicts of any rlkit version (a distillation checkpoint has ``env_steps`` only).

    Attributes:
        env_steps: Env steps collected over all envs, in every session of the run.
        episodes: Episodes finished (those cut short by a lost rollout worker are not counted).
        wall_time: Seconds spent in the loop, in every session of the run.
        recent_returns: Returns of the last ``log.episode_window`` episodes, oldest first.
        recent_lengths: Lengths of the same episodes.
        resets: How often the envs started over without their saved state (a resume that could not restore
            them); each time draws its reset seeds from a range no earlier reset used.
        worker_restarts: Rollout workers replaced after being lost, in every session of the run.
        episode_returns: The return so far of every env's episode in flight when the state was saved (None
            before the first save): a resume that restores the envs continues those episodes.
        episode_lengths: The length so far of the same episodes.
        extra: Keys this version does not know (a checkpoint of another version wrote them), carried into
            the next checkpoint unchanged so that no version loses what another one saved.
    """

    env_steps: int = 0
    episodes: int = 0
    wall_time: float = 0.0
    recent_returns: list[float] = field(default_factory=list)
    recent_lengths: list[int] = field(default_factory=list)
    resets: int = 0
    worker_restarts: int = 0
    episode_returns: list[float] | None = None
    episode_lengths: list[int] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The checkpoint's ``"trainer"`` entry: plain ints, floats and lists under the attributes' names."""
        saved: dict[str, Any] = {
            "env_steps": self.env_steps,
            "episodes": self.episodes,
            "wall_time": self.wall_time,
            "recent_returns": list(self.recent_returns),
            "recent_lengths": list(self.recent_lengths),
            "resets": self.resets,
            "worker_restarts": self.worker_restarts,
        }
        if self.episode_returns is not None:
            saved["episode_returns"] = list(self.episode_returns)
        if self.episode_lengths is not None:
            saved["episode_lengths"] = list(self.episode_lengths)
        saved.update(self.extra)
        return saved

    @classmethod
    def from_dict(cls, saved: Mapping[str, Any]) -> LoopState:
        """The state in a checkpoint's ``"trainer"`` entry; missing keys keep a new run's values."""
        known = {f.name for f in fields(cls)} - {"extra"}
        return cls(
            **{key: value for key, value in saved.items() if key in known},
            extra={key: value for key, value in saved.items() if key not in known},
        )
