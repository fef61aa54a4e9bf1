"""``env.randomization`` on a batch of sims: physics parameters, pushes and the observed samples.

:class:`BatchedRandomization` runs the array effects the per-env randomization wrappers are built on
(:mod:`rlkit.envs.randomization`) on the sims of a :class:`~rlkit.envs.batched.sim_batch.SimBatch`, at the
places ``make_env`` stacks the wrappers: the physics parameters are drawn at the reset of each env, before its
sim resets, into the batch's per-sim model fields (``mujoco.batch.Batch.expand``), with the derived constants
recomputed for exactly the sims drawn when a parameter enters them; the pushes are applied around every sim
step (inside the actuator models, so once per repeated step), through the batch's ``xfrc_applied``; the
samples are observed after the sensor models. Env ``i``'s streams are seeded as its wrappers' are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.config.sim2real import RandomizationConfig
from rlkit.envs.batched.info_columns import InfoColumns
from rlkit.envs.batched.sim_batch import SimBatch
from rlkit.envs.randomization import (
    BodyPushes,
    PhysicsParameters,
    check_observed_samples,
    privileged_space,
    with_samples,
)


class BatchedRandomization:
    """``config``'s randomization of every sim of ``sims``.

    Args:
        config: The ``env.randomization`` section.
        sims: The batch; its model is every env's nominal model.

    Attributes:
        parameters: The physics parameters, or None without ``config.parameters``.
        pushes: The pushes, or None without ``config.pushes``.

    Raises:
        RlkitError: A parameter or the pushed body names nothing in the model, or the observed samples are
            set without parameters, or in both forms.
    """

    def __init__(self, config: RandomizationConfig, sims: SimBatch) -> None:
        check_observed_samples(config)
        self.sims = sims
        self.parameters = (
            PhysicsParameters(sims.model, config.parameters, sims.num_envs) if config.parameters else None
        )
        #: The per-sim model fields the parameters write, live.
        self._stacks = {name: sims.expand(name) for name in self.parameters.fields} if self.parameters else {}
        self.pushes = None if config.pushes is None else BodyPushes(sims.model, config.pushes, sims.num_envs)
        self._xfrc = sims.bind("xfrc_applied") if self.pushes is not None else None
        self._observed = config.privileged_observation or config.observe_parameters
        self._append = config.observe_parameters
        self._every_env = np.arange(sims.num_envs)

    def observation_space(self, space: gym.Space) -> gym.Space:
        """The single env's observation space, given the one the sensor models give."""
        if not self._observed or self.parameters is None:
            return space
        return privileged_space(space, len(self.parameters.sampled_names), self._append)

    def reset(self, ids: np.ndarray, seeds: Sequence[int | None] | None) -> None:
        """Start the episodes of sims ``ids``, before their sims reset: draw their parameters into their
        model fields and clear their pushes; ``seeds`` (one per env, None: continue) re-seed first."""
        if self.parameters is not None:
            self.parameters.reset(self._stacks, ids, seeds)
            if self.parameters.feeds_constants:
                self.sims.set_const(ids)
        if self.pushes is not None:
            assert self._xfrc is not None  # bound with the pushes
            self.pushes.reset(self._xfrc, ids, seeds)

    def after_state_restored(self) -> None:
        """Recompute every sim's derived constants from its restored model fields (a checkpoint holds the
        fields, not the constants); before the sims' state is written back, which ``mj_setConst`` would
        overwrite."""
        if self.parameters is not None and self.parameters.feeds_constants:
            self.sims.set_const(self._every_env)

    def start_step(self, ids: np.ndarray | None) -> None:
        """Before sims ``ids`` (None: all) step: push those whose push is due or goes on."""
        if self.pushes is not None:
            assert self._xfrc is not None  # bound with the pushes
            self.pushes.start_step(self._xfrc, self._every_env if ids is None else ids)

    def end_step(self, ids: np.ndarray | None) -> None:
        """After sims ``ids`` (None: all) stepped: end the pushes that are over."""
        if self.pushes is not None:
            assert self._xfrc is not None  # bound with the pushes
            self.pushes.end_step(self._xfrc, self._every_env if ids is None else ids)

    def observe(self, observations: np.ndarray, rows: np.ndarray | slice = slice(None)) -> Any:
        """Envs ``rows``' observations with their samples beside them, as the privileged observation sets
        (``observations`` as they are without it)."""
        if not self._observed or self.parameters is None:
            return observations
        return with_samples(observations, self.parameters.samples[rows].astype(np.float32), self._append)

    def info(self) -> dict[str, Any]:
        """Every env's ``info`` entries, as its wrappers report them: ``randomization`` (the episode's
        samples, by name, as :class:`~rlkit.envs.batched.info_columns.InfoColumns`) and ``push`` (the
        wrench its last step applied, ``(num_envs, 6)``)."""
        info: dict[str, Any] = {}
        if self.parameters is not None:
            # as one matrix, gathered in one operation (one array per sample is ~50 NumPy calls a step)
            samples = self.parameters.samples
            info["randomization"] = InfoColumns(tuple(self.parameters.sampled_names), samples.T.copy())
        if self.pushes is not None:
            info["push"] = self.pushes.applied.copy()
        return info

    @property
    def randomization_scale(self) -> float:
        """The curriculum scale that the next resets apply."""
        assert self.parameters is not None  # reached only with parameters (see BatchedVectorEnv.call)
        return self.parameters.scale

    def set_randomization_scale(self, scale: float) -> None:
        """Pull the samples of every env's following episodes toward nominal, as the per-env wrapper's method
        of the same name does.

        Raises:
            RlkitError: ``scale`` is outside [0, 1].
        """
        assert self.parameters is not None  # reached only with parameters (see BatchedVectorEnv.call)
        self.parameters.set_scale(scale)
