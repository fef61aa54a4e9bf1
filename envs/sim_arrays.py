"""The arrays a task reads and writes, for any number of sims: a batch, or one ``MjData`` as a batch of one.

A task's reward and termination terms and its reset distribution are written once, against
:class:`SimArrays`: rows are sims. The batched backend hands them its
:class:`~rlkit.envs.batched.sim_batch.SimBatch`; a lone :class:`~rlkit.envs.mujoco_env.MujocoEnv` hands them
:class:`OneSim`, views of its own ``MjData`` with a leading axis of one. Both run the same float operations
on the same values, so a batch and a loop of envs agree to the bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import mujoco
import numpy as np

if TYPE_CHECKING:
    from rlkit.envs.task_state import TaskState


def step_seconds(dt: float | np.ndarray, rows: np.ndarray | slice, trailing: int = 0) -> float | np.ndarray:
    """The control step's seconds of sims ``rows`` (:attr:`SimArrays.dt`): the one for all, or each sim's
    when the timestep is randomized, with ``trailing`` axes of length 1 to broadcast against rows."""
    if isinstance(dt, np.ndarray):
        return dt[rows].reshape(-1, *(1,) * trailing)
    return dt


class SimArrays(Protocol):
    """Live ``(num_envs, ...)`` arrays of sims: state (writable) and the fields derived from it."""

    @property
    def num_envs(self) -> int:
        """Sims (rows)."""
        ...

    @property
    def dt(self) -> float | np.ndarray:
        """Seconds of simulated time per control step: one for all sims, or each sim's ``(num_envs,)``."""
        ...

    @property
    def qpos(self) -> np.ndarray:
        """Joint positions, ``(num_envs, nq)``."""
        ...

    @property
    def qvel(self) -> np.ndarray:
        """Joint velocities, ``(num_envs, nv)``."""
        ...

    @property
    def act(self) -> np.ndarray:
        """Actuator activations, ``(num_envs, na)``."""
        ...

    @property
    def mocap_pos(self) -> np.ndarray:
        """Mocap bodies' positions, ``(num_envs, nmocap, 3)``."""
        ...

    @property
    def xpos(self) -> np.ndarray:
        """Body positions, ``(num_envs, nbody, 3)``."""
        ...

    @property
    def xpos_before(self) -> np.ndarray:
        """Body positions before the last step, ``(num_envs, nbody, 3)``."""
        ...

    @property
    def qvel_before(self) -> np.ndarray:
        """Joint velocities before the last step, ``(num_envs, nv)``."""
        ...

    @property
    def site_xpos_before(self) -> np.ndarray:
        """Site positions before the last step, ``(num_envs, nsite, 3)``."""
        ...

    @property
    def xmat(self) -> np.ndarray:
        """Body orientations, ``(num_envs, nbody, 9)``."""
        ...

    @property
    def site_xpos(self) -> np.ndarray:
        """Site positions, ``(num_envs, nsite, 3)``."""
        ...

    @property
    def sensordata(self) -> np.ndarray:
        """Sensor readings, ``(num_envs, nsensordata)``."""
        ...

    @property
    def actuator_force(self) -> np.ndarray:
        """Actuator forces of the last physics step, ``(num_envs, nu)``."""
        ...

    @property
    def state(self) -> TaskState:
        """The task's per-env episode state: commands, feet, last action."""
        ...


class OneSim:
    """One sim's ``MjData`` as a batch of one: each array a live view with a leading axis of length 1.

    Args:
        model: The sim's model (its timestep gives :attr:`dt`).
        data: The sim's data; writes to the state arrays are writes to it.
        frame_skip: Physics substeps per control step.
        state: The task's episode state of this env (a batch of one).
    """

    num_envs = 1

    def __init__(self, model: mujoco.MjModel, data: mujoco.MjData, frame_skip: int, state: TaskState) -> None:
        self._model = model
        self._data = data
        self._frame_skip = frame_skip
        self._state = state
        self._xpos_before = data.xpos.copy()
        self._qvel_before = data.qvel.copy()
        self._site_xpos_before = data.site_xpos.copy()

    def remember_before_step(self) -> None:
        """Keep the positions and velocities the step about to be taken starts from."""
        self._xpos_before[:] = self._data.xpos
        self._qvel_before[:] = self._data.qvel
        self._site_xpos_before[:] = self._data.site_xpos

    @property
    def state(self) -> TaskState:
        """The task's episode state of this env."""
        return self._state

    @property
    def dt(self) -> float:
        """Seconds of simulated time per control step (follows a randomized timestep)."""
        return float(self._model.opt.timestep) * self._frame_skip

    @property
    def qpos(self) -> np.ndarray:
        """Joint positions, ``(1, nq)``."""
        return self._data.qpos[None]

    @property
    def qvel(self) -> np.ndarray:
        """Joint velocities, ``(1, nv)``."""
        return self._data.qvel[None]

    @property
    def act(self) -> np.ndarray:
        """Actuator activations, ``(1, na)``."""
        return self._data.act[None]

    @property
    def mocap_pos(self) -> np.ndarray:
        """Mocap bodies' positions, ``(1, nmocap, 3)``."""
        return self._data.mocap_pos[None]

    @property
    def xpos(self) -> np.ndarray:
        """Body positions, ``(1, nbody, 3)``."""
        return self._data.xpos[None]

    @property
    def xpos_before(self) -> np.ndarray:
        """Body positions before the last step, ``(1, nbody, 3)``."""
        return self._xpos_before[None]

    @property
    def qvel_before(self) -> np.ndarray:
        """Joint velocities before the last step, ``(1, nv)``."""
        return self._qvel_before[None]

    @property
    def site_xpos_before(self) -> np.ndarray:
        """Site positions before the last step, ``(1, nsite, 3)``."""
        return self._site_xpos_before[None]

    @property
    def xmat(self) -> np.ndarray:
        """Body orientations, ``(1, nbody, 9)``."""
        return self._data.xmat[None]

    @property
    def site_xpos(self) -> np.ndarray:
        """Site positions, ``(1, nsite, 3)``."""
        return self._data.site_xpos[None]

    @property
    def sensordata(self) -> np.ndarray:
        """Sensor readings, ``(1, nsensordata)``."""
        return self._data.sensordata[None]

    @property
    def actuator_force(self) -> np.ndarray:
        """Actuator forces of the last physics step, ``(1, nu)``."""
        return self._data.actuator_force[None]
