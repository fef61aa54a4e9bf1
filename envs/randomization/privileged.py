"""The sampled physics of the episode as an observation: critic-only (privileged), or for everyone."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.envs.randomization.physics import PhysicsRandomization
from rlkit.errors import RlkitError


class PrivilegedObservation(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Observe the current episode's samples of a :class:`PhysicsRandomization` (float32, in the order of its
    ``sampled_names``) beside the observation.

    By default as ``{"policy": observation, "privileged": samples}``: what an asymmetric actor-critic's critic
    may see but a deployed policy cannot. With ``append``, as one vector ``[observation | samples]`` that the
    whole agent sees: a privileged teacher (``env.randomization.observe_parameters``).

    Sensor models (noise, delay, dropout, ...) should wrap the env *before* this wrapper, so that they act on
    the observation only and the privileged values stay exact.

    Args:
        env: An env wrapped (at some depth) by ``source``.
        source: The randomization whose samples are observed; ``None``: the outermost
            :class:`PhysicsRandomization` among ``env``'s wrappers.
        append: Append the samples to a Box observation instead of making a Dict.

    Raises:
        RlkitError: ``source`` is not one of ``env``'s wrappers (or, for ``None``, none is), or ``append``
            with an observation that is not a 1-D Box.
    """

    def __init__(
        self, env: gym.Env, source: PhysicsRandomization | None = None, append: bool = False
    ) -> None:
        # The source is found again in the wrapper chain, so the spec can rebuild this wrapper without it.
        gym.utils.RecordConstructorArgs.__init__(self, source=None, append=append)
        gym.ObservationWrapper.__init__(self, env)
        self.source = find_randomization(env, source)
        self.append = append
        size = len(self.source.sampled_names)
        samples = gym.spaces.Box(-np.inf, np.inf, (size,), np.float32)
        if not append:
            self.observation_space = gym.spaces.Dict({"policy": env.observation_space, "privileged": samples})
            return
        space = env.observation_space
        if not isinstance(space, gym.spaces.Box) or len(space.shape) != 1:
            raise RlkitError(
                f"env.randomization.observe_parameters needs a vector observation, the env's is {space}"
            )
        self.observation_space = gym.spaces.Box(
            np.concatenate([space.low, samples.low]).astype(np.float32),
            np.concatenate([space.high, samples.high]).astype(np.float32),
            dtype=np.float32,
        )

    def observation(self, observation: Any) -> Any:
        """Pair (or join) the observation with the episode's samples."""
        if self.append:
            return np.concatenate([observation, self.source.sampled_vector()], dtype=np.float32)
        return {"policy": observation, "privileged": self.source.sampled_vector()}


def find_randomization(env: gym.Env, source: PhysicsRandomization | None = None) -> PhysicsRandomization:
    """``source`` if it wraps ``env`` (at some depth), else, for ``None``, the outermost
    :class:`PhysicsRandomization` among ``env``'s wrappers.

    Raises:
        RlkitError: There is no such wrapper.
    """
    inner: gym.Env = env
    while isinstance(inner, gym.Wrapper) and not (
        inner is source or (source is None and isinstance(inner, PhysicsRandomization))
    ):
        inner = inner.env
    if not isinstance(inner, PhysicsRandomization) or (source is not None and inner is not source):
        raise RlkitError("PrivilegedObservation: source must be a PhysicsRandomization wrapping env")
    return inner
