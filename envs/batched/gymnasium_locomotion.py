"""Gymnasium's MuJoCo locomotion tasks (``HalfCheetah-v5``, ``Hopper-v5``, ``Walker2d-v5``, ``Ant-v5``,
``Humanoid-v5``) for every sim of a batch at once, on Gymnasium's own model files.

Each task is compiled from one built Gymnasium env (the template), whose constructor has read the user's
``env.kwargs`` (and rejected unknown ones): its model, ``frame_skip``, weights, healthy ranges, reset noise
and observation flags are read back from it, so every constructor argument is honoured as Gymnasium honours
it. The arrays then compute, row by row, the float operations of the env's own ``step``, ``_get_obs``,
``is_healthy`` and ``reset_model`` (the same numpy reductions per row, the control cost in the action's own
dtype), so that a batch and Gymnasium's env give the same observations, rewards, terminations and ``info``
to the bit.

:class:`LocomotionSims` steps the sims as Gymnasium's ``MujocoEnv`` does: ``frame_skip`` calls of
``mj_step`` and no stage after them (the derived fields, such as ``xpos`` and ``cinert``, describe the state
before the last substep, as in Gymnasium), then ``mj_rnePostConstraint`` for the tasks that read
``cfrc_ext``. That last call has no batch form: ``mujoco.batch.Batch`` computes ``cfrc_ext`` only for a
model with an acceleration sensor, and with the RK4 integrator of these models a sensor sees the first stage
of the last substep, not the last one that Gymnasium's call sees; so each sim's data is copied out
(``get_data``) and the call made on the copy (about 9 µs per sim, 1 to 3 % of an Ant or Humanoid step).
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import mujoco
import mujoco.batch
import numpy as np
import torch
from gymnasium.envs.mujoco.ant_v5 import AntEnv
from gymnasium.envs.mujoco.half_cheetah_v5 import HalfCheetahEnv
from gymnasium.envs.mujoco.hopper_v5 import HopperEnv
from gymnasium.envs.mujoco.humanoid_v5 import HumanoidEnv
from gymnasium.envs.mujoco.mujoco_env import MujocoEnv as GymnasiumMujocoEnv
from gymnasium.envs.mujoco.walker2d_v5 import Walker2dEnv

from rlkit.envs.batched.sim_batch import capture_batch, restore_batch

#: No stage after a step: the derived fields stay those of the last substep's start, as after ``mj_step``.
_NO_STAGE = int(mujoco.mjtStage.mjSTAGE_NONE)

Info = dict[str, np.ndarray]
"""One ``(num_envs, ...)`` array per key of the env's ``info``, in the order the env's dict has them."""


class LocomotionSims:
    """``num_envs`` sims of a Gymnasium env's model, stepped as its ``MujocoEnv.do_simulation`` steps one.

    Args:
        model: The template env's model (the batch keeps its own copy).
        num_envs: Sims in the batch.
        frame_skip: ``mj_step`` calls per control step.
        threads: Threads that step the sims (including the caller's).
        fields: Further ``MjData`` fields the task reads, bound as live ``(num_envs, ...)`` arrays.
        post_constraint: Compute ``cfrc_ext`` after every step (``mj_rnePostConstraint``), as Gymnasium does.

    Attributes:
        fields: The bound arrays of ``fields``, by name.
        cfrc_ext: Each sim's ``cfrc_ext`` as Gymnasium's env holds it, ``(num_envs, nbody, 6)`` (zeros when
            ``post_constraint`` is off).
    """

    #: Its state is captured by :meth:`capture`, not by walking its live arrays (:mod:`rlkit.envs.env_state`).
    walked_by_env_state = False

    def __init__(
        self,
        model: mujoco.MjModel,
        num_envs: int,
        frame_skip: int,
        threads: int,
        fields: Sequence[str] = (),
        post_constraint: bool = False,
    ) -> None:
        self.model = model
        self.num_envs = num_envs
        self.frame_skip = frame_skip
        self.batch = mujoco.batch.Batch(model, num_envs, nthread=threads, persistent=True)
        self.qpos = self.batch.bind("qpos")
        self.qvel = self.batch.bind("qvel")
        self.ctrl = self.batch.bind("ctrl")
        self.fields = {name: self.batch.bind(name) for name in fields}
        self.post_constraint = post_constraint
        self.cfrc_ext = np.zeros((num_envs, model.nbody, 6))
        self._bound_cfrc_ext = self.batch.bind("cfrc_ext") if post_constraint else None
        self._scratch = mujoco.MjData(model)

    @property
    def threads(self) -> int:
        """Threads that step the sims."""
        return int(self.batch.nthread)

    def step(self, ctrl: np.ndarray) -> None:
        """Apply ``ctrl`` ``(num_envs, nu)`` to every sim for ``frame_skip`` substeps, in one call."""
        self.ctrl[...] = ctrl
        self.batch.step(nstep=self.frame_skip, stage=_NO_STAGE)
        if self.post_constraint:
            for sim in range(self.num_envs):
                data = self.batch.get_data(sim, self._scratch)
                mujoco.mj_rnePostConstraint(self.model, data)
                self.cfrc_ext[sim] = data.cfrc_ext

    def reset(self, ids: np.ndarray) -> None:
        """``mj_resetData`` for sims ``ids``; write their state, then call :meth:`forward`."""
        self.batch.reset(ids, stage=_NO_STAGE)

    def forward(self, ids: np.ndarray) -> None:
        """``mj_forward`` for sims ``ids`` (as Gymnasium's ``set_state``: no ``mj_rnePostConstraint``)."""
        self.batch.forward(ids)
        if self._bound_cfrc_ext is not None:
            self.cfrc_ext[ids] = self._bound_cfrc_ext[ids]

    def capture(self) -> dict[str, torch.Tensor]:
        """The sims' state as checkpoint data: their physics state rows and ``cfrc_ext``."""
        return {"state": capture_batch(self.batch), "cfrc_ext": torch.from_numpy(self.cfrc_ext.copy())}

    def restore(self, saved: dict[str, torch.Tensor]) -> bool:
        """Write :meth:`capture`'s state back; False (nothing written) when it does not fit the batch."""
        if tuple(saved["cfrc_ext"].shape) != self.cfrc_ext.shape or not restore_batch(
            self.batch, saved["state"]
        ):
            return False
        self.cfrc_ext[...] = saved["cfrc_ext"].numpy()
        return True

    def get_data(self, sim: int) -> mujoco.MjData:
        """Sim ``sim``'s whole ``MjData`` (a copy)."""
        return self.batch.get_data(sim)


def _square_sum(values: np.ndarray) -> np.ndarray:
    """``np.sum(np.square(v))`` of each row's values (the rows' trailing axes flattened), to the bit: numpy
    reduces each contiguous row with the pairwise sum it uses for the row alone."""
    return np.sum(np.square(values).reshape(len(values), -1), axis=1)


def _norm(values: np.ndarray) -> np.ndarray:
    """``np.linalg.norm(v, ord=2)`` of each row (numpy computes it as ``sqrt(v.dot(v))``)."""
    return np.sqrt(np.vecdot(values, values))


class LocomotionTask:
    """The part of a Gymnasium locomotion env all five share: model, reset noise, observed positions.

    Args:
        env: The built Gymnasium env (unwrapped), the template of every sim.
    """

    #: ``MjData`` output fields the task reads besides ``qpos`` and ``qvel``.
    fields: tuple[str, ...] = ()
    #: Whether the task reads ``cfrc_ext`` (computed after each step by ``mj_rnePostConstraint``).
    post_constraint = False
    #: Leading qpos entries left out of the observation when ``exclude_current_positions_from_observation``.
    skipped_positions = 1
    #: The qvel noise at reset: ``uniform`` in ±scale, or ``normal`` (scale × standard normal).
    qvel_noise = "uniform"

    def __init__(self, env: GymnasiumMujocoEnv) -> None:
        self.model = env.model
        self.frame_skip = int(env.frame_skip)
        self.dt = env.dt
        self.init_qpos = env.init_qpos.copy()
        self.init_qvel = env.init_qvel.copy()
        self.observation_space: gym.spaces.Box = env.observation_space  # type: ignore[assignment]
        self.action_space: gym.spaces.Box = env.action_space  # type: ignore[assignment]
        self.noise_scale = env._reset_noise_scale  # type: ignore[attr-defined]
        self.skip = self.skipped_positions * bool(
            env._exclude_current_positions_from_observation  # type: ignore[attr-defined]
        )
        self.forward_weight = env._forward_reward_weight  # type: ignore[attr-defined]
        self.ctrl_weight = env._ctrl_cost_weight  # type: ignore[attr-defined]
        self._before = np.zeros(0)

    def make_sims(self, num_envs: int, threads: int) -> LocomotionSims:
        """The batch of ``num_envs`` sims this task runs on."""
        return LocomotionSims(
            self.model, num_envs, self.frame_skip, threads, self.fields, self.post_constraint
        )

    def reset_state(
        self, sims: LocomotionSims, ids: np.ndarray, generators: Sequence[np.random.Generator]
    ) -> None:
        """``reset_model`` for sims ``ids`` (reset to the model's defaults), ``generators[k]`` drawing for sim
        ``ids[k]`` the calls the env makes, in its order."""
        low, high = -self.noise_scale, self.noise_scale
        qpos, qvel = [], []
        for rng in generators:
            qpos.append(rng.uniform(low=low, high=high, size=self.model.nq))
            if self.qvel_noise == "normal":
                qvel.append(self.noise_scale * rng.standard_normal(self.model.nv))
            else:
                qvel.append(rng.uniform(low=low, high=high, size=self.model.nv))
        sims.qpos[ids] = self.init_qpos + np.stack(qpos)
        sims.qvel[ids] = self.init_qvel + np.stack(qvel)

    def observation(self, sims: LocomotionSims, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """The observations of sims ``rows`` (``_get_obs``)."""
        return np.concatenate(self._observed(sims, rows), axis=1)

    def _observed(self, sims: LocomotionSims, rows: np.ndarray | slice) -> list[np.ndarray]:
        return [sims.qpos[rows][:, self.skip :], sims.qvel[rows]]

    def control_cost(self, action: np.ndarray) -> np.ndarray:
        """``ctrl_cost_weight · Σ action²`` per env, in the action's dtype (as the env computes it)."""
        return self.ctrl_weight * _square_sum(action)

    def before_step(self, sims: LocomotionSims) -> None:
        """Note what the reward needs from the state before the step (the x position)."""
        self._before = sims.qpos[:, 0].copy()

    def step(self, sims: LocomotionSims, action: np.ndarray) -> tuple[np.ndarray, np.ndarray, Info]:
        """Reward, terminated and ``info`` of the step just taken, per env."""
        raise NotImplementedError

    def reset_info(self, sims: LocomotionSims, rows: np.ndarray | slice = slice(None)) -> Info:
        """``_get_reset_info`` of sims ``rows``."""
        return {"x_position": sims.qpos[rows, 0].copy()}


class HalfCheetah(LocomotionTask):
    """``HalfCheetah-v5``: forward velocity minus the control cost; no termination."""

    qvel_noise = "normal"

    def step(self, sims: LocomotionSims, action: np.ndarray) -> tuple[np.ndarray, np.ndarray, Info]:
        x_position = sims.qpos[:, 0].copy()
        x_velocity = (x_position - self._before) / self.dt
        forward_reward = self.forward_weight * x_velocity
        ctrl_cost = self.control_cost(action)
        info = {
            "x_position": x_position,
            "x_velocity": x_velocity,
            "reward_forward": forward_reward,
            "reward_ctrl": -ctrl_cost,
        }
        return forward_reward - ctrl_cost, np.zeros(sims.num_envs, dtype=bool), info


class Hopper(LocomotionTask):
    """``Hopper-v5``: forward velocity, a healthy reward and the control cost; ends when unhealthy (the state,
    height or angle out of its range)."""

    def __init__(self, env: GymnasiumMujocoEnv) -> None:
        super().__init__(env)
        self.healthy_reward = env._healthy_reward  # type: ignore[attr-defined]
        self.terminate_when_unhealthy = bool(env._terminate_when_unhealthy)  # type: ignore[attr-defined]
        self.healthy_z_range = env._healthy_z_range  # type: ignore[attr-defined]
        self.healthy_angle_range = env._healthy_angle_range  # type: ignore[attr-defined]
        self.healthy_state_range = getattr(env, "_healthy_state_range", None)

    def _observed(self, sims: LocomotionSims, rows: np.ndarray | slice) -> list[np.ndarray]:
        return [sims.qpos[rows][:, self.skip :], np.clip(sims.qvel[rows], -10, 10)]

    def is_healthy(self, sims: LocomotionSims) -> np.ndarray:
        """``is_healthy`` per env: height and angle (``qpos[1:3]``) in their open ranges, and for the Hopper
        the rest of the state too."""
        (min_z, max_z), (min_angle, max_angle) = self.healthy_z_range, self.healthy_angle_range
        z, angle = sims.qpos[:, 1], sims.qpos[:, 2]
        healthy = (min_z < z) & (z < max_z) & (min_angle < angle) & (angle < max_angle)
        if self.healthy_state_range is not None:
            min_state, max_state = self.healthy_state_range
            state = np.concatenate([sims.qpos, sims.qvel], axis=1)[:, 2:]
            healthy &= np.all(np.logical_and(min_state < state, state < max_state), axis=1)
        return healthy

    def step(self, sims: LocomotionSims, action: np.ndarray) -> tuple[np.ndarray, np.ndarray, Info]:
        x_position = sims.qpos[:, 0].copy()
        x_velocity = (x_position - self._before) / self.dt
        forward_reward = self.forward_weight * x_velocity
        healthy = self.is_healthy(sims)
        healthy_reward = healthy * self.healthy_reward
        ctrl_cost = self.control_cost(action)
        reward = (forward_reward + healthy_reward) - ctrl_cost
        terminated = ~healthy & self.terminate_when_unhealthy
        info = {
            **self.reset_info(sims),
            "x_velocity": x_velocity,
            "reward_forward": forward_reward,
            "reward_ctrl": -ctrl_cost,
            "reward_survive": healthy_reward,
        }
        return reward, terminated, info

    def reset_info(self, sims: LocomotionSims, rows: np.ndarray | slice = slice(None)) -> Info:
        return {
            "x_position": sims.qpos[rows, 0].copy(),
            "z_distance_from_origin": sims.qpos[rows, 1] - self.init_qpos[1],
        }


class Walker2d(Hopper):
    """``Walker2d-v5``: the Hopper's reward and termination, on height and angle alone."""


class Ant(LocomotionTask):
    """``Ant-v5``: the main body's x velocity, a healthy reward, the control cost and the cost of the clipped
    external contact forces; ends when unhealthy (a non-finite state, or the torso's height out of range)."""

    fields = ("xpos",)
    post_constraint = True
    skipped_positions = 2
    qvel_noise = "normal"

    def __init__(self, env: GymnasiumMujocoEnv) -> None:
        super().__init__(env)
        self.healthy_reward = env._healthy_reward  # type: ignore[attr-defined]
        self.terminate_when_unhealthy = bool(env._terminate_when_unhealthy)  # type: ignore[attr-defined]
        self.healthy_z_range = env._healthy_z_range  # type: ignore[attr-defined]
        self.contact_weight = env._contact_cost_weight  # type: ignore[attr-defined]
        self.contact_force_range = env._contact_force_range  # type: ignore[attr-defined]
        self.main_body = int(env.data.body(env._main_body).id)  # type: ignore[attr-defined]
        self.include_cfrc_ext = bool(env._include_cfrc_ext_in_observation)  # type: ignore[attr-defined]

    def contact_forces(self, sims: LocomotionSims, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """``contact_forces``: ``cfrc_ext`` clipped to the contact force range, ``(k, nbody, 6)``."""
        low, high = self.contact_force_range
        return np.clip(sims.cfrc_ext[rows], low, high)

    def _observed(self, sims: LocomotionSims, rows: np.ndarray | slice) -> list[np.ndarray]:
        parts = [sims.qpos[rows][:, self.skip :], sims.qvel[rows]]
        if self.include_cfrc_ext:
            forces = self.contact_forces(sims, rows)[:, 1:]
            parts.append(forces.reshape(len(forces), -1))
        return parts

    def before_step(self, sims: LocomotionSims) -> None:
        self._before = sims.fields["xpos"][:, self.main_body, :2].copy()

    def step(self, sims: LocomotionSims, action: np.ndarray) -> tuple[np.ndarray, np.ndarray, Info]:
        xy_velocity = (sims.fields["xpos"][:, self.main_body, :2] - self._before) / self.dt
        x_velocity, y_velocity = xy_velocity[:, 0], xy_velocity[:, 1]
        forward_reward = x_velocity * self.forward_weight
        state = np.concatenate([sims.qpos, sims.qvel], axis=1)
        min_z, max_z = self.healthy_z_range
        z = state[:, 2]
        healthy = np.isfinite(state).all(axis=1) & (min_z <= z) & (z <= max_z)
        healthy_reward = healthy * self.healthy_reward
        ctrl_cost = self.control_cost(action)
        contact_cost = self.contact_weight * _square_sum(self.contact_forces(sims))
        reward = (forward_reward + healthy_reward) - (ctrl_cost + contact_cost)
        info = {
            **self.reset_info(sims),
            "x_velocity": x_velocity,
            "y_velocity": y_velocity,
            "reward_forward": forward_reward,
            "reward_ctrl": -ctrl_cost,
            "reward_contact": -contact_cost,
            "reward_survive": healthy_reward,
        }
        return reward, ~healthy & self.terminate_when_unhealthy, info

    def reset_info(self, sims: LocomotionSims, rows: np.ndarray | slice = slice(None)) -> Info:
        return {
            "x_position": sims.qpos[rows, 0].copy(),
            "y_position": sims.qpos[rows, 1].copy(),
            "distance_from_origin": _norm(sims.qpos[rows, 0:2]),
        }


class Humanoid(LocomotionTask):
    """``Humanoid-v5``: the centre of mass's x velocity, a healthy reward, the control cost and the (capped)
    cost of the external contact forces; ends when the torso's height leaves its range."""

    fields = ("xipos", "cinert", "cvel", "qfrc_actuator", "ten_length", "ten_velocity")
    post_constraint = True
    skipped_positions = 2

    def __init__(self, env: GymnasiumMujocoEnv) -> None:
        super().__init__(env)
        self.healthy_reward = env._healthy_reward  # type: ignore[attr-defined]
        self.terminate_when_unhealthy = bool(env._terminate_when_unhealthy)  # type: ignore[attr-defined]
        self.healthy_z_range = env._healthy_z_range  # type: ignore[attr-defined]
        self.contact_weight = env._contact_cost_weight  # type: ignore[attr-defined]
        self.contact_cost_range = env._contact_cost_range  # type: ignore[attr-defined]
        self.body_mass = self.model.body_mass.copy()
        self.observed = [
            bool(env._include_cinert_in_observation),  # type: ignore[attr-defined]
            bool(env._include_cvel_in_observation),  # type: ignore[attr-defined]
            bool(env._include_qfrc_actuator_in_observation),  # type: ignore[attr-defined]
            bool(env._include_cfrc_ext_in_observation),  # type: ignore[attr-defined]
        ]

    def _observed(self, sims: LocomotionSims, rows: np.ndarray | slice) -> list[np.ndarray]:
        parts = [sims.qpos[rows][:, self.skip :], sims.qvel[rows]]
        cinert, cvel, qfrc_actuator, cfrc_ext = self.observed
        count = len(parts[0])
        if cinert:
            parts.append(sims.fields["cinert"][rows][:, 1:].reshape(count, -1))
        if cvel:
            parts.append(sims.fields["cvel"][rows][:, 1:].reshape(count, -1))
        if qfrc_actuator:
            parts.append(sims.fields["qfrc_actuator"][rows][:, 6:])
        if cfrc_ext:
            parts.append(sims.cfrc_ext[rows][:, 1:].reshape(count, -1))
        return parts

    def mass_center(self, sims: LocomotionSims) -> np.ndarray:
        """``mass_center``: the centre of mass's x and y per env (the same ``einsum`` per row)."""
        return (np.einsum("b,nbj->nj", self.body_mass, sims.fields["xipos"]) / self.body_mass.sum())[:, 0:2]

    def before_step(self, sims: LocomotionSims) -> None:
        self._before = self.mass_center(sims)

    def control_cost(self, action: np.ndarray) -> np.ndarray:
        """The control cost of ``data.ctrl`` (the action as float64), as the Humanoid computes it."""
        return self.ctrl_weight * _square_sum(np.asarray(action, dtype=np.float64))

    def step(self, sims: LocomotionSims, action: np.ndarray) -> tuple[np.ndarray, np.ndarray, Info]:
        xy_velocity = (self.mass_center(sims) - self._before) / self.dt
        x_velocity, y_velocity = xy_velocity[:, 0], xy_velocity[:, 1]
        forward_reward = self.forward_weight * x_velocity
        min_z, max_z = self.healthy_z_range
        z = sims.qpos[:, 2]
        healthy = (min_z < z) & (z < max_z)
        healthy_reward = healthy * self.healthy_reward
        ctrl_cost = self.control_cost(action)
        min_cost, max_cost = self.contact_cost_range
        contact_cost = np.clip(self.contact_weight * _square_sum(sims.cfrc_ext), min_cost, max_cost)
        reward = (forward_reward + healthy_reward) - (ctrl_cost + contact_cost)
        info = {
            **self.reset_info(sims),
            "x_velocity": x_velocity,
            "y_velocity": y_velocity,
            "reward_survive": healthy_reward,
            "reward_forward": forward_reward,
            "reward_ctrl": -ctrl_cost,
            "reward_contact": -contact_cost,
        }
        return reward, ~healthy & self.terminate_when_unhealthy, info

    def reset_info(self, sims: LocomotionSims, rows: np.ndarray | slice = slice(None)) -> Info:
        return {
            "x_position": sims.qpos[rows, 0].copy(),
            "y_position": sims.qpos[rows, 1].copy(),
            "tendon_length": sims.fields["ten_length"][rows].copy(),
            "tendon_velocity": sims.fields["ten_velocity"][rows].copy(),
            "distance_from_origin": _norm(sims.qpos[rows, 0:2]),
        }


#: The array form of each Gymnasium env class the batch runs, by class.
LOCOMOTION_TASKS: dict[type[GymnasiumMujocoEnv], type[LocomotionTask]] = {
    HalfCheetahEnv: HalfCheetah,
    HopperEnv: Hopper,
    Walker2dEnv: Walker2d,
    AntEnv: Ant,
    HumanoidEnv: Humanoid,
}


def locomotion_task(env: gym.Env) -> LocomotionTask | None:
    """The array form of ``env``'s task (unwrapped) if it is one of Gymnasium's five locomotion envs (the
    class itself, not a subclass, whose hooks could differ), else None."""
    task_class = LOCOMOTION_TASKS.get(type(env.unwrapped))  # type: ignore[arg-type]
    if task_class is None:
        return None
    unwrapped = env.unwrapped
    assert isinstance(unwrapped, GymnasiumMujocoEnv)
    return task_class(unwrapped)
