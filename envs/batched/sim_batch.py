"""N simulations of one MuJoCo model stepped by one call on a thread pool, with their state as live arrays.

A thin layer over ``mujoco.batch.Batch`` that steps the way :class:`rlkit.envs.mujoco_env.MujocoEnv` does, so
that sim ``i`` follows the trajectory a lone ``MujocoEnv`` would, to the bit: one call per control step runs
``frame_skip`` substeps and then the position and velocity stages at the new state (``mjSTAGE_VEL``, as
``MujocoEnv`` ends each substep with ``mj_step1``). The batch is persistent (one ``MjData`` per sim), so the
next step continues from those stages at no extra cost, and the solver's warm start travels with each sim's
state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mujoco
import mujoco.batch
import numpy as np
import torch

if TYPE_CHECKING:
    from rlkit.envs.task_state import TaskState

#: Position- and velocity-dependent fields and sensors current after a step, as after ``mj_step1``.
_AFTER_STEP = int(mujoco.mjtStage.mjSTAGE_VEL)
#: No stage: a reset whose state the caller writes before :meth:`SimBatch.forward`.
_NO_STAGE = int(mujoco.mjtStage.mjSTAGE_NONE)
#: What each sim's last step started from, kept for velocities and accelerations over it.
_BEFORE = ("xpos_before", "qvel_before", "site_xpos_before")


def capture_batch(batch: mujoco.batch.Batch) -> torch.Tensor:
    """Every sim's full physics state (its ``mjSTATE_INTEGRATION`` row, warm start included), as checkpoint
    data."""
    return torch.from_numpy(batch.state.copy())


def restore_batch(batch: mujoco.batch.Batch, saved: torch.Tensor) -> bool:
    """Write :func:`capture_batch`'s rows back and recompute every stage (``mj_forward``), as a lone env's
    state is restored; False (nothing written) when they do not fit the batch."""
    rows = saved.numpy()
    if rows.shape != batch.state.shape:
        return False
    batch.state[...] = rows
    batch.forward()
    return True


class SimBatch:
    """``num_envs`` sims of ``model``, stepped together on ``threads`` threads.

    The arrays are live views of the batch (rows are sims): writes to the state arrays (``qpos``, ``qvel``,
    ``ctrl``, ``mocap_pos``) are the sims' state at the next call; derived arrays (``xpos``, ``xmat``,
    ``site_xpos``, ``sensordata``) are refreshed by every call.

    Args:
        model: The compiled model (the batch keeps its own copy).
        num_envs: Sims in the batch.
        frame_skip: Physics substeps per control step.
        threads: Threads that step the sims (including the caller's).

    Attributes:
        xpos_before: Body positions before the last step, ``(num_envs, nbody, 3)``, for velocities over it.
        qvel_before: Joint velocities before the last step, ``(num_envs, nv)``, for accelerations over it.
        site_xpos_before: Site positions before the last step, ``(num_envs, nsite, 3)``.
    """

    #: Its state is captured by :meth:`capture`, not by walking its live arrays (:mod:`rlkit.envs.env_state`).
    walked_by_env_state = False

    def __init__(self, model: mujoco.MjModel, num_envs: int, frame_skip: int, threads: int) -> None:
        self.model = model
        self.num_envs = num_envs
        self.frame_skip = frame_skip
        self.batch = mujoco.batch.Batch(model, num_envs, nthread=threads, persistent=True)
        self.qpos = self.batch.bind("qpos")
        self.qvel = self.batch.bind("qvel")
        self.ctrl = self.batch.bind("ctrl")
        self.act = self.batch.bind("act")
        self.mocap_pos = self.batch.bind("mocap_pos")
        self.xpos = self.batch.bind("xpos")
        self.xmat = self.batch.bind("xmat")
        self.site_xpos = self.batch.bind("site_xpos")
        self.sensordata = self.batch.bind("sensordata")
        self.actuator_force = self.batch.bind("actuator_force")
        self.xpos_before = np.zeros_like(self.xpos)
        self.qvel_before = np.zeros_like(self.qvel)
        self.site_xpos_before = np.zeros_like(self.site_xpos)
        self._state: TaskState | None = None
        self._timestep: np.ndarray | None = None  # each sim's, once the timestep is expanded

    @property
    def state(self) -> TaskState:
        """The task's per-env episode state (commands, feet, last actions), set by the env that runs the
        task on this batch."""
        assert self._state is not None, "SimBatch.state read before the env set it"
        return self._state

    @state.setter
    def state(self, state: TaskState) -> None:
        self._state = state

    @property
    def threads(self) -> int:
        """Threads that step the sims."""
        return int(self.batch.nthread)

    @property
    def dt(self) -> float | np.ndarray:
        """Seconds of simulated time per control step: one for all sims, or each sim's ``(num_envs,)`` once
        the timestep is per-sim (:meth:`expand`)."""
        if self._timestep is not None:
            return self._timestep * self.frame_skip
        return float(self.model.opt.timestep) * self.frame_skip

    def expand(self, name: str) -> np.ndarray:
        """Give the model field ``name`` (``body_mass``, ``opt.gravity``) per-sim values: the live
        ``(num_envs, ...)`` array of them, which the sims read at their next call. After writing a field that
        ``mj_setConst`` reads, call :meth:`set_const` for the sims written."""
        values = self.batch.expand(name)
        if name == "opt.timestep":
            self._timestep = values
        return values

    def set_const(self, ids: np.ndarray) -> None:
        """Recompute the constants derived from the model (``mj_setConst``) of sims ``ids``, from their own
        per-sim fields; the other sims keep theirs."""
        self.batch.set_const(ids)

    def bind(self, name: str) -> np.ndarray:
        """The live ``(num_envs, ...)`` array of the ``MjData`` field ``name`` (``xfrc_applied``)."""
        return self.batch.bind(name)

    def step(self, ctrl: np.ndarray, ids: np.ndarray | None = None) -> None:
        """Apply ``ctrl`` ``(num_envs, nu)`` to every sim (or to sims ``ids``, the others left as they are)
        for ``frame_skip`` substeps, in one call."""
        if ids is None:
            self.xpos_before[...] = self.xpos
            self.qvel_before[...] = self.qvel
            self.site_xpos_before[...] = self.site_xpos
            self.ctrl[...] = ctrl
            self.batch.step(nstep=self.frame_skip, stage=_AFTER_STEP)
            return
        self.xpos_before[ids] = self.xpos[ids]
        self.qvel_before[ids] = self.qvel[ids]
        self.site_xpos_before[ids] = self.site_xpos[ids]
        self.ctrl[ids] = ctrl[ids]
        self.batch.step(ids=ids, nstep=self.frame_skip, stage=_AFTER_STEP)

    def reset(self, ids: np.ndarray) -> None:
        """Put sims ``ids`` in the model's initial state (``mj_resetData``), stages not yet computed: write
        their initial state into the arrays, then call :meth:`forward`."""
        self.batch.reset(ids, stage=_NO_STAGE)

    def forward(self, ids: np.ndarray) -> None:
        """Compute every stage of sims ``ids`` at their state (``mj_forward``)."""
        self.batch.forward(ids)

    def capture(self) -> dict[str, torch.Tensor]:
        """The sims' state as checkpoint data: their physics state rows and the body positions before the
        last step."""
        return {
            "state": capture_batch(self.batch),
            **{name: torch.from_numpy(getattr(self, name).copy()) for name in _BEFORE},
        }

    def restore(self, saved: dict[str, torch.Tensor]) -> bool:
        """Write :meth:`capture`'s state back (after the per-sim model fields it ran on); False (nothing
        written) when it does not fit the batch."""
        if tuple(saved["xpos_before"].shape) != self.xpos_before.shape or not restore_batch(
            self.batch, saved["state"]
        ):
            return False
        for name in _BEFORE:
            if name in saved:  # a checkpoint from before the joint velocities and sites were kept has none
                getattr(self, name)[...] = saved[name].numpy()
        return True

    def get_data(self, sim: int) -> mujoco.MjData:
        """Sim ``sim``'s whole ``MjData`` (a copy), to render it or pass it to any MuJoCo function."""
        return self.batch.get_data(sim)
