"""The sampled physics of the episode as a critic-only (privileged) observation."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from envs.randomization.physics import PhysicsRandomization
from rlkit.errors import RlkitError


class PrivilegedObservation(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Observe ``{"policy": observation, "privileged": samples}``.

    ``privileged`` is the current episode's samples of a :class:`PhysicsRandomization` (float32, in the order
    of its ``sampled_names``): what an asymmetric actor-critic's critic may see but a deployed policy cannot.

    Sensor models (noise, delay, dropout, ...) should wrap the env *before* this wrapper, so that they act on
    the ``policy`` part only and the privileged values stay exact.

    Args:
        env: An env wrapped (at some depth) by ``source``.
        source: The randomization whose samples are observed; ``None``: the outermost
            :class:`PhysicsRandomization` among ``env``'s wrappers.

    Raises:
        RlkitError: ``source`` is not one of ``env``'s wrappers (or, for ``None``, none is).
    """

    def __init__(self, env: gym.Env, source: PhysicsRandomization | None = None) -> None:
        # The source is found again in the wrapper chain, so the spec can rebuild this wrapper without it.
        gym.utils.RecordConstructorArgs.__init__(self, source=None)
        gym.ObservationWrapper.__init__(self, env)
        inner: gym.Env = env
        while isinstance(inner, gym.Wrapper) and not (
            inner is source or (source is None and isinstance(inner, PhysicsRandomization))
        ):
            inner = inner.env
        if not isinstance(inner, PhysicsRandomization) or (source is not None and inner is not source):
            raise RlkitError("PrivilegedObservation: source must be a PhysicsRandomization wrapping env")
        self.source = inner
        size = len(self.source.sampled_names)
        self.observation_space = gym.spaces.Dict(
            {
                "policy": env.observation_space,
                "privileged": gym.spaces.Box(-np.inf, np.inf, (size,), np.float32),
            }
        )

    def observation(self, observation: Any) -> dict[str, Any]:
        """Pair the observation with the episode's samples."""
        return {"policy": observation, "privileged": self.source.sampled_vector()}
