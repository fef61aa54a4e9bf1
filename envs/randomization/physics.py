"""Physics domain randomization: model parameters resampled at every reset from their nominal values."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import mujoco
import numpy as np

from rlkit.config.sim2real import ParameterRandomization
from rlkit.envs.randomization.physics_parameters import PhysicsParameters
from rlkit.sim.episode_randomization import EpisodeRandomization
from rlkit.sim.mujoco_handles import mujoco_model_and_data

#: The one env of a wrapper's batch of one.
_ONE = np.zeros(1, dtype=np.int64)


def model_stacks(model: mujoco.MjModel, fields: Sequence[str]) -> dict[str, np.ndarray]:
    """``model``'s ``fields`` as the stacks of a batch of one env (``physics_parameters.Stacks``): views
    into the model, except ``opt.timestep``, a scalar of ``model.opt`` copied into a ``(1,)`` array (written
    back by :func:`write_timestep`)."""
    stacks = {}
    for name in fields:
        if name == "opt.timestep":
            stacks[name] = np.array([model.opt.timestep])
        elif name.startswith("opt."):
            stacks[name] = getattr(model.opt, name[4:])[None]
        else:
            stacks[name] = getattr(model, name)[None]
    return stacks


def write_timestep(model: mujoco.MjModel, stacks: dict[str, np.ndarray]) -> None:
    """Put the timestep of a batch of one's stacks into ``model``, if they hold one."""
    if "opt.timestep" in stacks:
        model.opt.timestep = float(stacks["opt.timestep"][0])


class PhysicsRandomization(EpisodeRandomization, gym.utils.RecordConstructorArgs):
    """Resample MuJoCo model parameters at every reset, each from its nominal value.

    At construction each entry's ``names`` regex (full match) selects bodies (``body_mass``; the world body is
    never selected), geoms (``geom_friction``), joints (``dof_*``: every dof of the joint;
    ``joint_stiffness``), actuators (``actuator_*``), gravity components ``x``/``y``/``z`` or the single entry
    ``timestep``; unnamed elements are called ``body3``, ``geom0``, ... The nominal value of every field the
    wrapper writes is copied then.

    At every reset, before the inner env's reset sets the initial state, each element gets
    ``nominal × sample`` (mode ``scale``) or ``nominal + sample`` (``offset``), never compounded across
    episodes. To stay physically consistent:

    * ``body_mass`` scales the body's inertia by the same ratio;
    * ``actuator_gain`` scales ``gainprm[0]`` and, for an affine bias (a ``<position>`` / ``<velocity>``
      servo), ``biasprm[1:3]`` by the same ratio;
    * ``actuator_gear`` scales the whole gear vector by the ratio of its first component;
    * ``actuator_ctrlrange`` moves both ends (the env's ``action_space`` is not changed: MuJoCo clamps
      controls to the sampled range of a ``ctrllimited`` actuator);
    * values are clamped to valid ones: mass > 0, damping / armature / frictionloss / stiffness / friction
      >= 0, timestep > 0, and a gain or gear keeps its sign;
    * ``mujoco.mj_setConst`` then recomputes the constants derived from the model (``body_invweight0``,
      ``actuator_acc0``, ...), when a written field enters them.

    The draws and writes are :class:`~rlkit.envs.randomization.physics_parameters.PhysicsParameters` on a
    batch of one (this env's model fields), the implementation the ``batched`` rollout backend runs on all
    its sims.

    The samples (factors or offsets, after the curriculum scale) are reported in ``info["randomization"]`` at
    reset and every step, and as :attr:`sampled_names` / :meth:`sampled_vector` for a privileged observation.

    The wrapper draws from its own stream (``parameters.streams``), re-seeded by ``reset(seed=...)``; a reset
    without a seed (a vector env's autoreset) continues the stream, so every episode gets new samples.

    Args:
        env: A MuJoCo env (``env.unwrapped`` has ``model`` and ``data``).
        parameters: The randomized parameters; none gives the nominal model.
        stream: Name of the random stream; it must differ between effects stacked on one env.

    Raises:
        RlkitError: The env is not a MuJoCo env, a ``names`` regex matches nothing (the message lists the
            available names), or two entries randomize the same element's parameter.
    """

    info_key = "randomization"

    def __init__(
        self,
        env: gym.Env,
        parameters: Sequence[ParameterRandomization] = (),
        stream: str = "PhysicsRandomization",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, parameters=list(parameters), stream=stream)
        gym.Wrapper.__init__(self, env)
        self._model, self._data = mujoco_model_and_data(env, "PhysicsRandomization")
        #: The parameters on a batch of one: this env's.
        self.parameters = PhysicsParameters(self._model, parameters, 1, stream)
        self.sampled_names: list[str] = self.parameters.sampled_names
        """Names of the sampled values, in the order of :meth:`sampled_vector` (``body_mass/torso``)."""
        self._record(self.parameters.samples[0].copy())

    @property
    def randomization_scale(self) -> float:
        """The curriculum scale that the next reset applies."""
        return self.parameters.scale

    def set_randomization_scale(self, scale: float) -> None:
        """Pull the samples of the following episodes toward nominal: 0 nominal, 1 the declared ranges.

        Each sample becomes ``identity + scale × (sample - identity)``, identity 1 for a scale and 0 for an
        offset. Reachable through ``env.get_wrapper_attr`` (and so a vector env's ``call``).

        Raises:
            RlkitError: ``scale`` is outside [0, 1].
        """
        self.parameters.set_scale(scale)

    def _reseed(self, seed: int | None) -> None:
        self.parameters.streams.reseed(_ONE, [seed])

    def _randomize(self) -> None:
        stacks = model_stacks(self._model, self.parameters.fields)
        self.parameters.reset(stacks, _ONE)
        self._apply_derived(stacks)

    def after_state_restored(self) -> None:
        """Put this episode's samples (restored by :mod:`rlkit.envs.env_state`) back into the model, which
        a checkpoint does not hold; the inner env's data is restored after this."""
        stacks = model_stacks(self._model, self.parameters.fields)
        self.parameters.write(stacks, _ONE)
        self._apply_derived(stacks)

    def _apply_derived(self, stacks: dict[str, np.ndarray]) -> None:
        write_timestep(self._model, stacks)
        if self.parameters.feeds_constants:
            # mj_setConst runs the model at qpos0 and so overwrites data: it must precede the inner reset.
            mujoco.mj_setConst(self._model, self._data)
        self._record(self.parameters.samples[0].copy())
