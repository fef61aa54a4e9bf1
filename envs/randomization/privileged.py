"""The sampled physics of the episode as an observation: critic-only (privileged), or for everyone."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.config.sim2real import RandomizationConfig
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
        self.observation_space = privileged_space(env.observation_space, size, append)

    def observation(self, observation: Any) -> Any:
        """Pair (or join) the observation with the episode's samples."""
        return with_samples(observation, self.source.sampled_vector(), self.append)


def check_observed_samples(config: RandomizationConfig) -> None:
    """Fail in one line when ``env.randomization`` asks to observe samples it cannot give: a privileged
    observation or ``observe_parameters`` without parameters, or both forms at once.

    Raises:
        RlkitError: Such a setting.
    """
    for key in ("privileged_observation", "observe_parameters"):
        if getattr(config, key) and not config.parameters:
            raise RlkitError(f"env.randomization.{key} needs env.randomization.parameters to observe")
    if config.privileged_observation and config.observe_parameters:
        raise RlkitError(
            "env.randomization: choose privileged_observation (the critic sees the physics) or "
            "observe_parameters (the whole agent does), not both"
        )


def privileged_space(space: gym.Space, size: int, append: bool) -> gym.Space:
    """The observation space of ``space``'s observations with ``size`` sampled values beside them: a Dict
    ``{policy, privileged}``, or with ``append`` one float32 Box.

    Raises:
        RlkitError: ``append`` with a space that is not a 1-D Box.
    """
    samples = gym.spaces.Box(-np.inf, np.inf, (size,), np.float32)
    if not append:
        return gym.spaces.Dict({"policy": space, "privileged": samples})
    if not isinstance(space, gym.spaces.Box) or len(space.shape) != 1:
        raise RlkitError(
            f"env.randomization.observe_parameters needs a vector observation, the env's is {space}"
        )
    return gym.spaces.Box(
        np.concatenate([space.low, samples.low]).astype(np.float32),
        np.concatenate([space.high, samples.high]).astype(np.float32),
        dtype=np.float32,
    )


def with_samples(observation: Any, samples: np.ndarray, append: bool) -> Any:
    """Observations with their env's float32 samples beside them (one env's, or a batch's along the last
    axis): ``{"policy": observation, "privileged": samples}``, or with ``append`` ``[observation | samples]``
    as float32."""
    if append:
        return np.concatenate([observation, samples], axis=-1, dtype=np.float32)
    return {"policy": observation, "privileged": samples}


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
