"""The ``batched`` rollout backend: the N envs of an rlkit MuJoCo task as N sims stepped by one call.

:class:`BatchedVectorEnv` is a Gymnasium ``VectorEnv`` that computes what the ``sync`` backend computes for
the same seeds and actions (``SyncVectorEnv`` of ``make_env``'s envs in ``SAME_STEP`` autoreset mode): the
same observations, rewards, terminations, truncations, ``info["final_obs"]``, ``info["reward_terms"]`` and the
latencies' ``info["action_delay"]`` and ``info["observation_delay"]``, and with ``env.randomization``
``info["randomization"]`` and ``info["push"]``, to the bit. The sims step together in
MuJoCo's C thread pool (:class:`~rlkit.envs.batched.sim_batch.SimBatch`, on ``rollout.threads`` threads), the
task is computed on the batch's arrays (:class:`~rlkit.envs.batched.batched_task.BatchedTask`), and the
sensor and actuator models of ``env.sensors`` and ``env.actuators`` and the physics randomization, pushes
and observed samples of ``env.randomization`` are applied to all envs at once by the array effects the
per-env wrappers are built on (:mod:`rlkit.envs.effects`, :mod:`rlkit.envs.randomization`), in
``make_env``'s order: Python runs once per vector step, not once per env. Each env's physics parameters are
drawn at its reset into the batch's per-sim model fields
(:class:`~rlkit.envs.batched.randomization.BatchedRandomization`); the curriculum reaches them through
``call("set_randomization_scale", scale)``, as it reaches the per-env wrappers. Env ``i`` resets from its
own generator, seeded with ``seed + i`` (:mod:`rlkit.rollout.env_seeds`), as a ``MujocoEnv`` does, and its
effects' streams are seeded with the same seed, as its wrappers' are.

Other sim2real layers (pixels, visual randomization, discrete actions, ...) fail at construction for now
(:mod:`rlkit.rollout.batched.batchable_config`).

Gymnasium's MuJoCo locomotion tasks (``HalfCheetah-v5``, ``Hopper-v5``, ``Walker2d-v5``, ``Ant-v5``,
``Humanoid-v5``) run as a :class:`~rlkit.rollout.batched.gymnasium_vector_env.GymnasiumBatchedVectorEnv`, and
MPE's ``mpe2:simple_spread_v3`` as :class:`~rlkit.envs.multi_agent.spread_batch.SpreadGames` (games, as
``ParallelGame`` observes them), to which this env hands its calls.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs.batched import BatchedTask, SimBatch
from rlkit.envs.batched.info_columns import InfoColumns
from rlkit.envs.batched.randomization import BatchedRandomization
from rlkit.envs.effects import ActuatorChain, SensorChain
from rlkit.envs.env_state import encode_attrs, restore_attrs
from rlkit.envs.factory import make_task_env
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.multi_agent.spread_batch import SpreadGames, spread_game
from rlkit.envs.task_state import TaskState
from rlkit.errors import RlkitError
from rlkit.rollout.batched.batchable_config import check_batchable
from rlkit.rollout.batched.gymnasium_vector_env import (
    GymnasiumBatchedVectorEnv,
    is_gymnasium_locomotion,
    template_attribute,
    time_limit,
)
from rlkit.seeding import reset_envs

#: What the trainer's curriculum calls on a vector env's envs, answered by the batch's randomization.
_RANDOMIZATION_CALLS = ("set_randomization_scale", "randomization_scale")


def _rows_where(mask: np.ndarray, value: np.ndarray, other: np.ndarray) -> np.ndarray:
    """``value``'s rows where ``mask`` holds, ``other``'s elsewhere (rows of any shape)."""
    return np.where(mask.reshape(-1, *(1,) * (value.ndim - 1)), value, other)


#: Attributes rebuilt from the config, never state: the template env, the compiled task, the spaces.
_REBUILT = ("handed_to", "_template", "task", "sims", "spec")


def _c_order(observations: np.ndarray) -> np.ndarray:
    """Observations in C order, as a stack of per-env observations is (selecting columns, as the observed
    joints and channels do, gives a column-major batch): torch sums a column-major batch in another order,
    and a policy's outputs would differ in the last bit from the per-env backends'."""
    return np.ascontiguousarray(observations)


def _masked(value: Any, mask: np.ndarray) -> Any:
    """Per-env values as ``SyncVectorEnv`` gathers an info entry: an array's rows (0 where ``mask`` is
    False); a dict's (or :class:`InfoColumns`') entries each followed by its mask ``_key``."""
    if isinstance(value, InfoColumns):
        return value.as_dict(mask)
    if isinstance(value, dict):
        gathered: dict[str, Any] = {}
        for key, entry in value.items():
            gathered[key] = _masked(entry, mask)
            gathered[f"_{key}"] = mask.copy()
        return gathered
    return _rows_where(mask, value, np.zeros((), dtype=value.dtype))


def _merged(running: np.ndarray, step_value: Any, reset_value: Any) -> Any:
    """A running env's step value and an ended env's reset value of an info entry both kinds have."""
    if isinstance(step_value, dict):
        return {key: _merged(running, entry, reset_value[key]) for key, entry in step_value.items()}
    if isinstance(step_value, InfoColumns):
        return step_value.where(running, reset_value)
    return _rows_where(running, step_value, reset_value)


def _row(observations: Any, row: int) -> Any:
    """One env's observation from a batch of them (an array, or a dict of arrays)."""
    if isinstance(observations, dict):
        return {key: value[row] for key, value in observations.items()}
    return observations[row]


class TeamOfRobotsError(RlkitError):
    """A team task given to :class:`BatchedVectorEnv`, which steps it as one joint task: its games are
    :class:`~rlkit.rollout.batched.team_vector_env.BatchedTeamVectorEnv`'s."""


def _gathered(
    step_info: dict[str, Any],
    reset_info: dict[str, np.ndarray],
    running: np.ndarray,
    final_obs: np.ndarray | None,
) -> dict[str, Any]:
    """A vector step's infos as ``SyncVectorEnv`` gathers them in ``SAME_STEP`` mode: a running env's step
    info; an ended env's ``final_obs``, ``final_info`` (its step info) and the info of its reset. Keys come in
    the order env 0 meets them, then the other kind of env's new keys."""
    ended = ~running
    mask = {key: running for key in step_info}
    values: dict[str, Any] = dict(step_info)
    ended_keys: list[str] = []
    if final_obs is not None:
        ended_keys = ["final_obs", "final_info", *reset_info]
        values["final_obs"], mask["final_obs"] = final_obs, ended
        values["final_info"], mask["final_info"] = _masked(step_info, ended), ended
        for key, value in reset_info.items():
            if key in step_info:  # every env has it: a running env's step value, an ended env's reset value
                mask[key] = np.ones_like(running)
                values[key] = _merged(running, step_info[key], value)
            else:
                values[key], mask[key] = value, ended
    kinds = [list(step_info) if running.any() else [], ended_keys]
    first, other = kinds if running[0] else kinds[::-1]
    infos: dict[str, Any] = {}
    for key in [*first, *(key for key in other if key not in first)]:
        value = values[key]
        infos[key] = value if key in ("final_obs", "final_info") else _masked(value, mask[key])
        infos[f"_{key}"] = mask[key].copy()
    return infos


class BatchedVectorEnv(VectorEnv):
    """``num_envs`` copies of the MuJoCo task ``env_config`` describes, stepped as one batch.

    Args:
        env_config: The ``env`` section: an rlkit MuJoCo task (``rlkit/...`` id, ``robot.xml`` with
            ``env.task``, or a ``MujocoEnv`` subclass whose task hooks have array forms), with sensor and
            actuator models if any, no other sim2real layer.
        num_envs: Envs (sims) in the batch.
        rollout: The ``rollout`` section, for ``threads`` (None: one thread per CPU core).
        teacher_view: Report what a privileged teacher observes in ``info`` (``teacher_state``,
            ``teacher_parameters``), as ``make_env(..., teacher_view=True)`` does for one env.

    Raises:
        ConfigError: The config sets a sim2real layer the backend cannot run yet.
        RlkitError: The env is not a ``MujocoEnv``, overrides a task hook with no array form, or a sensor
            model names an unknown channel.
    """

    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}  # noqa: RUF012
    #: Whether this class steps a team of robots as games (:class:`~rlkit.rollout.batched.team_vector_env.
    #: BatchedTeamVectorEnv`); this one steps the joint task and reports each robot's reward.
    _game_of_robots = False

    def __init__(
        self,
        env_config: EnvConfig,
        num_envs: int,
        rollout: RolloutConfig | None = None,
        teacher_view: bool = False,
    ) -> None:
        check_batchable(env_config)
        template = make_task_env(env_config, check=False)
        task_env = template.unwrapped
        #: Gymnasium's locomotion task, or MPE's simple_spread games, as its own batched env, which this one
        #: hands its calls to; or None.
        self.handed_to: GymnasiumBatchedVectorEnv | SpreadGames | None = None
        if spread_game(template) is not None:
            template.close()
            if teacher_view:
                raise RlkitError(
                    f"the batched backend reports no teacher's view for the game '{env_config.id}'; use "
                    "rollout.backend sync"
                )
            self._hand_to(SpreadGames(env_config, num_envs))
            return
        if is_gymnasium_locomotion(template):
            template.close()
            if teacher_view:
                raise RlkitError(
                    "the batched backend reports a teacher's view for rlkit's MuJoCo tasks, not for "
                    f"Gymnasium's '{env_config.id}'; use rollout.backend sync"
                )
            self._hand_to(GymnasiumBatchedVectorEnv(env_config, num_envs, rollout))
            return
        if not isinstance(task_env, MujocoEnv):
            template.close()
            raise RlkitError(
                "rollout.backend batched runs rlkit's MuJoCo tasks (MujocoEnv), Gymnasium's HalfCheetah-v5, "
                "Hopper-v5, Walker2d-v5, Ant-v5 and Humanoid-v5, and mpe2:simple_spread_v3, but environment "
                f"'{env_config.id}' is {type(task_env).__name__}; use rollout.backend sync"
            )
        if task_env.team is not None and not self._game_of_robots:
            template.close()
            raise TeamOfRobotsError(
                f"a team of robots (env.task.team of '{env_config.id}') runs batched as games: build it "
                "with rlkit.rollout.batched.batched_vector_env"
            )
        self._template = task_env
        self.max_episode_steps = time_limit(template)
        self.task = BatchedTask(task_env)
        threads = (rollout.threads if rollout is not None else None) or os.cpu_count() or 1
        self.sims = SimBatch(task_env.model, num_envs, task_env.frame_skip, threads)
        self.num_envs = num_envs
        #: The sensor and actuator models and the randomization, on all envs at once.
        self.actuators = ActuatorChain(
            env_config.actuators,
            self.task.action_space,
            num_envs,
            # a team's robots each draw their own action latency
            None if self.task.team is None else self.task.team.actuators,
        )
        self.sensors = SensorChain(
            env_config.sensors, self.task.observation_space, self.task.observation_names, num_envs
        )
        self.randomization = BatchedRandomization(env_config.randomization, self.sims)
        self.single_observation_space = self.randomization.observation_space(self.sensors.observation_space)
        self.single_action_space = self.task.action_space
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.render_mode = None
        self.spec = template.spec
        #: Each env's generator (seeded at reset, as ``gym.Env.np_random``), its steps in the episode, its
        #: previous action (for action-rate costs) and the observation it last returned.
        self._generators: list[np.random.Generator | None] = [None] * num_envs
        self._elapsed = np.zeros(num_envs, dtype=np.int64)
        self._previous_action = np.zeros((num_envs, task_env.model.nu))
        #: The commands, feet and last actions of every env's episode (the task's terms read ``sims.state``).
        self.task_state = TaskState(task_env.model, task_env.task, num_envs)
        self.sims.state = self.task_state
        self._tracking_errors = np.zeros(num_envs)
        #: A team's rewards per robot and its successes, of every env's last step.
        team = self.task.team
        self._agent_rewards = None if team is None else np.zeros((num_envs, len(team.agent_names)))
        self._succeeded = np.zeros(num_envs, dtype=bool)
        self._every_env = np.arange(num_envs)
        # each sim's actuator force ranges, rewritten every step from its joints' speeds
        self._forcerange = None if self.task.torque_speed is None else self.sims.expand("actuator_forcerange")
        self._observations = np.zeros((num_envs, *self.sensors.observation_space.shape))
        #: Report what a privileged teacher observes in ``info`` (``rlkit distill``).
        self.teacher_view = teacher_view
        #: Every env's latest observation before the sensor models (the teacher's view of it).
        self._task_observations = np.zeros((num_envs, *self.task.observation_space.shape))

    def _hand_to(self, env: GymnasiumBatchedVectorEnv | SpreadGames) -> None:
        """Take ``env``'s spaces and time limit, and hand it every call."""
        self.handed_to = env
        self.max_episode_steps = env.max_episode_steps
        self.num_envs = env.num_envs
        self.single_observation_space = env.single_observation_space
        self.single_action_space = env.single_action_space
        self.observation_space, self.action_space = env.observation_space, env.action_space
        self.render_mode, self.spec = None, env.spec

    @property
    def threads(self) -> int:
        """Threads that step the sims."""
        return self.handed_to.threads if self.handed_to is not None else self.sims.threads

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode in every env (or those of ``options["reset_mask"]``); env ``i`` is seeded with
        ``seed + i`` (or ``seed[i]`` from a list; None keeps its generator and streams)."""
        if self.handed_to is not None:  # simple_spread's games observe a Dict, as a team's games do
            return self.handed_to.reset(seed=seed, options=options)  # type: ignore[return-value]
        seeds, mask, ids = reset_envs(seed, options, self._generators)
        self._observations[ids] = self._start_episodes(ids, [seeds[index] for index in ids])
        infos = {}
        for key, value in self._layer_infos().items():
            infos[key], infos[f"_{key}"] = _masked(value, mask), mask.copy()
        return self.randomization.observe(self._observations.copy()), infos

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every env with its row of ``actions``; an env whose episode ends starts its next one in the
        same step (``SAME_STEP``), its last observation in ``info["final_obs"]``."""
        if self.handed_to is not None:
            return self.handed_to.step(actions)  # type: ignore[return-value]
        applied = self.actuators(np.asarray(actions).reshape(self.num_envs, -1))
        action = np.asarray(applied, dtype=np.float64)
        repeat = self.actuators.repeat
        if repeat is None:
            rewards, terms, terminated, truncated = self._advance(action, None)
        else:  # the envs that have not ended step again, rewards summed; the last step's flags and terms
            repeat.start(self.num_envs)
            terminated = np.zeros(self.num_envs, dtype=bool)
            truncated = np.zeros(self.num_envs, dtype=bool)
            terms = {}
            while (ids := repeat.stepping()) is not None:
                step_rewards, step_terms, step_terminated, step_truncated = self._advance(action, ids)
                terminated[ids], truncated[ids] = step_terminated[ids], step_truncated[ids]
                for name, value in step_terms.items():
                    terms.setdefault(name, np.zeros(self.num_envs))[ids] = value[ids]
                repeat.record(ids, step_rewards[ids], terminated[ids] | truncated[ids])
            rewards = repeat.totals
        self._task_observations = self.task.observation(self.sims)
        obs = _c_order(self.sensors(self._task_observations))
        ended = terminated | truncated
        running = ~ended
        step_info: dict[str, Any] = {"reward_terms": terms}
        if self._agent_rewards is not None:
            step_info["agent_rewards"] = self._agent_rewards.copy()
            assert self.task.team is not None
            if self.task.team.config.success:
                step_info["is_success"] = self._succeeded.copy()
        if self.task.tracking_error is not None:
            step_info["lin_vel_tracking_error"] = self._tracking_errors.copy()
        step_info.update(self._layer_infos())
        final_obs = None
        if ended.any():
            ids = np.flatnonzero(ended)
            final_obs = np.full(self.num_envs, None, dtype=object)
            last = self.randomization.observe(obs[ids].copy(), ids)  # with the ending episodes' samples
            for row, index in enumerate(ids):
                final_obs[index] = _row(last, row)
            obs[ids] = self._start_episodes(ids, None)
        infos = _gathered(step_info, self._layer_infos(), running, final_obs)
        self._observations = obs.copy()
        return self.randomization.observe(obs), rewards, terminated, truncated, infos

    def _advance(
        self, action: np.ndarray, ids: np.ndarray | None
    ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Step sims ``ids`` (None: all) once with ``action``: every sim's rewards, reward terms,
        terminations and truncations (the rows of the sims not stepped are not meaningful)."""
        self.randomization.start_step(ids)
        rows = slice(None) if ids is None else ids
        if self._forcerange is not None:
            assert self.task.torque_speed is not None  # the ranges are expanded for the curves
            self._forcerange[rows] = self.task.torque_speed(self.sims)[rows]
        self.sims.step(self.task.control(action), ids)
        self.randomization.end_step(ids)
        self.task_state.after_step(self.sims.sensordata, self.sims.dt, rows)
        rewards, terms = self.task.reward(self.sims, action, self._previous_action)
        if self.task.team is not None:
            assert self._agent_rewards is not None
            team = self.task.team(self.sims, action, self._previous_action, rewards)
            self._agent_rewards[rows], self._succeeded[rows] = team.agent_rewards[rows], team.succeeded[rows]
        terminated = self.task.terminated(self.sims)
        errors = None
        if self.task.tracking_error is not None:
            errors = self.task.tracking_error(self.sims)
            self._tracking_errors[rows] = errors[rows]
        self.task_state.record(errors, terminated, rows)
        self._previous_action[rows] = action[rows]
        self.task_state.last_action[rows] = action[rows]
        stepped = self._every_env if ids is None else ids
        self.task_state.advance_commands(self.sims.dt, stepped, self._generators)  # type: ignore[arg-type]
        self._elapsed[rows] += 1
        truncated = (
            self._elapsed >= self.max_episode_steps
            if self.max_episode_steps is not None
            else np.zeros(self.num_envs, dtype=bool)
        )
        return rewards, terms, terminated, truncated

    def _layer_infos(self) -> dict[str, Any]:
        """What the sim2real layers report in every env's ``info``, in the order the per-env wrappers add
        it: the randomization's samples and pushes, the action delay, the teacher's view (with
        ``teacher_view``: the observation before the sensor models and the episode's sampled physics, as
        :class:`~rlkit.envs.teacher_view.TeacherView` reports them), the observation delay."""
        infos = self.randomization.info()
        if self.actuators.delay is not None:
            delay = self.actuators.delay
            infos["action_delay"] = (
                delay.delays.delays if delay.groups is None else delay.group_delays
            ).copy()
        if self.teacher_view:
            infos["teacher_state"] = self._task_observations.astype(np.float32)
            parameters = self.randomization.parameters
            if parameters is not None:
                infos["teacher_parameters"] = parameters.samples.astype(np.float32)
        if self.sensors.latency is not None:
            infos["observation_delay"] = self.sensors.latency.delays.delays.copy()
        return infos

    def _start_episodes(self, ids: np.ndarray, seeds: list[int | None] | None) -> np.ndarray:
        """Reset sims ``ids`` as ``MujocoEnv.reset`` does (defaults, the initial state, ``mj_forward``) and
        their sensor and actuator models (``seeds`` re-seed their streams; None continues them); returns
        their first observations."""
        self.actuators.reset(ids, seeds)
        self.randomization.reset(ids, seeds)  # the parameters are drawn before the sims reset with them
        self.sims.reset(ids)
        generators = [
            generator for generator in (self._generators[index] for index in ids) if generator is not None
        ]
        if len(generators) != len(ids):
            raise RuntimeError("BatchedVectorEnv.step before reset: its envs have no generators yet")
        self.task.reset_state(self.sims, ids, generators)
        self.task_state.reset(self.sims, ids, generators)
        self.sims.forward(ids)
        self._previous_action[ids] = 0.0
        self._elapsed[ids] = 0
        first = self.task.observation(self.sims, ids)
        self._task_observations[ids] = first
        return _c_order(self.sensors.reset(first, ids, seeds))

    def capture_state(self) -> dict[str, Any]:
        """Every env's state as checkpoint data, for a resume that continues their episodes exactly: the
        sims' physics state, each env's generator, sensor, actuator and randomization state (its per-sim
        model fields included), the latest observations and actions (see :mod:`rlkit.envs.env_state`)."""
        if self.handed_to is not None:
            return self.handed_to.capture_state()
        return {"sims": self.sims.capture(), "env": encode_attrs(self, exclude=_REBUILT)}

    def restore_state(self, state: dict[str, Any]) -> bool:
        """Continue the episodes :meth:`capture_state` saved; False (nothing written) when they do not fit
        this batch."""
        if self.handed_to is not None:
            return self.handed_to.restore_state(state)
        if tuple(state["sims"]["state"].shape) != self.sims.batch.state.shape:
            return False
        # the model first (its fields, then mj_setConst in the randomization's after_state_restored): the
        # constants' computation overwrites the sims' state
        restore_attrs(self, state["env"])
        return self.sims.restore(state["sims"])

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """An attribute of the task env, for every env (``dt``, ``observation_names``, ``task``, ...): the
        same for all sims of the batch, but ``dt`` (each sim's, with a randomized timestep);
        ``observation_names`` names the observed channels. With physics randomization, the curriculum's
        ``set_randomization_scale(scale)`` and ``randomization_scale`` are answered for every env, as the
        per-env wrappers answer them.

        Raises:
            RlkitError: ``name`` is another method: the batch holds no per-env env object to call it on.
        """
        if self.handed_to is not None:
            return self.handed_to.call(name, *args, **kwargs)
        if name == "observation_names":
            return (list(self.sensors.observation_names),) * self.num_envs
        if name == "dt":
            return tuple(float(dt) for dt in np.broadcast_to(self.sims.dt, self.num_envs))
        if name == "terrain_level":
            terrain = self.task_state.terrain
            return (None,) * self.num_envs if terrain is None else tuple(int(v) for v in terrain.level)
        if name in _RANDOMIZATION_CALLS and self.randomization.parameters is not None:
            value = getattr(self.randomization, name)
            return (value(*args, **kwargs) if callable(value) else value,) * self.num_envs
        return template_attribute(self._template, name, self.num_envs)

    def get_attr(self, name: str) -> tuple[Any, ...]:
        """An attribute of the task env, for every env (see :meth:`call`)."""
        return self.call(name)

    def set_attr(self, name: str, values: Any) -> None:
        """Not available: the sims share one template env, with no per-env env object to set it on.

        Raises:
            RlkitError: Always, naming the attribute.
        """
        raise RlkitError(
            f"rollout.backend batched cannot set '{name}' on its envs (the sims have no per-env env object); "
            "use rollout.backend sync"
        )

    def close_extras(self, **kwargs: Any) -> None:
        """Release the template env."""
        (self.handed_to or self._template).close()
