"""What every wrapper that redraws part of a MuJoCo model at each reset shares: physics randomization
(``rlkit.envs.randomization.PhysicsRandomization``) and visual randomization
(:class:`rlkit.vision.visual_randomization.VisualRandomization`).
"""

from __future__ import annotations

from typing import Any, ClassVar, SupportsFloat

import gymnasium as gym
import numpy as np

from rlkit.errors import RlkitError


class EpisodeRandomization(gym.Wrapper):
    """Redraws its values at every reset (after re-seeding its streams from the reset's seed) and reports
    the episode's draws in ``info[info_key]``, at the reset and at every step.

    A subclass sets :attr:`info_key` and :attr:`sampled_names`, implements :meth:`_reseed` and
    :meth:`_randomize` (which ends with :meth:`_record`), and keeps its curriculum scale in ``_scale``.
    """

    #: The ``info`` key the draws are reported under (also names the wrapper in error messages).
    info_key: ClassVar[str]
    sampled_names: list[str]
    _samples: np.ndarray
    _info: dict[str, float]
    _scale: float

    def _reseed(self, seed: int | None) -> None:
        """Re-seed the random streams from ``seed`` (None: continue them)."""
        raise NotImplementedError

    def _randomize(self) -> None:
        """Draw this episode's values from nominal, write them into the model, then :meth:`_record`."""
        raise NotImplementedError

    def _record(self, samples: np.ndarray) -> None:
        """Keep the episode's draws, in the order of :attr:`sampled_names`, for ``info`` and observations."""
        self._samples = samples
        self._info = dict(zip(self.sampled_names, samples.tolist(), strict=True))

    def _set_scale(self, scale: float) -> None:
        if not 0.0 <= scale <= 1.0:
            raise RlkitError(f"{self.info_key.replace('_', ' ')} scale must be in [0, 1], got {scale}")
        self._scale = float(scale)

    def sampled_vector(self) -> np.ndarray:
        """The current episode's samples as float32, in the order of :attr:`sampled_names`."""
        return self._samples.astype(np.float32)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Redraw from nominal, then reset the inner env with the new model."""
        self._reseed(seed)
        self._randomize()
        observation, info = self.env.reset(seed=seed, options=options)
        info[self.info_key] = self._info.copy()
        return observation, info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the inner env; ``info[info_key]`` holds the episode's draws."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        # A new dict every call (Gymnasium's rule: a caller may keep and change an info); a shallow copy of
        # the dict built at reset is enough, its values are floats.
        info[self.info_key] = self._info.copy()
        return observation, reward, terminated, truncated, info
