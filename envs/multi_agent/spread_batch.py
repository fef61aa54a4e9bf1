"""MPE's ``simple_spread`` as one batch of games stepped by NumPy: the ``batched`` backend's form of
``mpe2:simple_spread_v3``.

The Multi Particle Environments are pure Python: each game of a ``sync`` vector env steps its particles one
entity and one agent turn at a time, through PettingZoo's AEC cycle and a
:class:`~rlkit.envs.multi_agent.ParallelGame` (a few thousand game steps a second). :class:`SpreadGames` keeps
every game's agent positions and velocities and landmark positions in ``(games, agents, 2)`` and
``(games, landmarks, 2)`` arrays and steps all games with a few dozen array operations. It returns what a
``SyncVectorEnv`` of ``make_env``'s games returns in ``SAME_STEP`` autoreset mode for the same seeds and
actions, to the bit: the game observations (``observations``, and ``state`` for ``env.agents.critic``
``state`` or ``observations``), the team rewards, terminations and truncations, and the infos
(``agent_rewards``, ``agents_active``, ``final_obs`` and ``final_info``, in the order ``SyncVectorEnv``
gathers them).

To the bit because every number is computed with mpe2's own float64 operations in mpe2's order: the
actions mapped as ``SimpleEnv._set_action`` maps them, the contact forces of ``core.World`` (its softplus
penetration) summed onto each agent in the order of World's pair loop, the same integration, rewards
reduced in the order of the scenario's loops, observations cast to float32 as ``SimpleEnv.observe`` does.
Each game has its own generator, seeded as ``SimpleEnv.reset(seed)`` seeds its ``np_random`` (game ``i`` of
a reset with ``seed``: ``seed + i``) and drawn in the scenario's order (agents, then landmarks), so a game
starts where its mpe2 twin starts and an autoreset continues that game's stream.

What the batch does not model it refuses in one line ending ``; use rollout.backend sync``, so that
``rollout.backend: auto`` steps that config on ``sync``: the scenario's curriculum, termination on success,
partial observability (``num_agent_neighbors``, ``num_landmark_neighbors``), rendering, and any ``env``
setting besides ``kwargs``, ``max_episode_steps``, ``truncation_is_termination`` and ``agents``.
"""

from __future__ import annotations

import sys
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlkit.config.schema import EnvConfig
from rlkit.envs.env_state import encode_attrs, restore_attrs
from rlkit.envs.factory import make_task_env
from rlkit.envs.multi_agent.parallel_game import ParallelGame
from rlkit.errors import RlkitError
from rlkit.seeding import reset_envs

#: ``simple_spread_v3``'s keyword arguments the batch runs at these values only: a curriculum (its stage is
#: changed from outside the game), episodes that end once every landmark is covered, partial observability
#: and rendering.
DEFAULT_ONLY_KWARGS: dict[str, Any] = {
    "curriculum": False,
    "terminate_on_success": False,
    "num_agent_neighbors": None,
    "num_landmark_neighbors": None,
    "render_mode": None,
}
#: The ``env`` fields the batch honours; any other (a sim2real layer, a MuJoCo setting) it refuses.
ENV_FIELDS = ("id", "kwargs", "max_episode_steps", "truncation_is_termination", "agents")
#: Where mpe2 defines the scenario the batch reproduces.
_SPREAD_MODULE = "mpe2.simple_spread.simple_spread"
#: A discrete move's direction (``SimpleEnv._set_action``): none, left, right, down, up.
_MOVES = np.array([[0.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [0.0, -1.0], [0.0, 1.0]])
#: mpe2's action sensitivity of an agent without ``accel``.
_DEFAULT_SENSITIVITY = 5.0
#: What ends every refusal: ``auto`` strips it and steps the config on ``sync``.
_USE_SYNC = "; use rollout.backend sync"


def spread_game(env: gym.Env) -> Any | None:
    """The mpe2 ``simple_spread`` game (its ``raw_env``) under ``env``, a built env (wrapped or not); None
    for any other env, and for one whose game could differ from what is batched here: a subclass of the
    scenario's env or of its scenario, or a scenario with a method replaced on the object itself (a
    ``reset_world`` that places the landmarks elsewhere, say)."""
    game = env.unwrapped
    module = sys.modules.get(_SPREAD_MODULE)  # not imported: the env cannot be one of its games
    if module is None or not isinstance(game, ParallelGame):
        return None
    raw = getattr(game.game, "unwrapped", None)
    if raw is None or type(raw) is not module.raw_env or type(raw.scenario) is not module.Scenario:
        return None
    return None if any(callable(value) for value in vars(raw.scenario).values()) else raw


def check_spread_config(config: EnvConfig) -> None:
    """Fail in one line naming the first setting of ``config`` the batched games do not model.

    Raises:
        RlkitError: An ``env`` field other than :data:`ENV_FIELDS`, or a keyword argument of
            :data:`DEFAULT_ONLY_KWARGS` at another value.
    """
    default = EnvConfig(id=config.id)
    for field in type(config).model_fields:
        if field not in ENV_FIELDS and getattr(config, field) != getattr(default, field):
            raise RlkitError(
                f"env.{field} is not supported by rollout.backend batched for MPE's simple_spread (it runs "
                f"the game alone){_USE_SYNC}"
            )
    for key, value in DEFAULT_ONLY_KWARGS.items():
        if config.kwargs.get(key, value) != value:
            raise RlkitError(
                f"env.kwargs.{key}={config.kwargs[key]!r} is not supported by rollout.backend batched for "
                f"MPE's simple_spread (it runs {key}={value!r} only){_USE_SYNC}"
            )


class SpreadGames(VectorEnv):
    """``num_envs`` games of MPE's ``simple_spread``, stepped as one batch of arrays.

    Every game has ``N`` agents and ``N`` landmarks (``env.kwargs.N``); its observation is a
    :class:`~rlkit.envs.multi_agent.ParallelGame`'s (``(N, 6N)`` agent observations, the critic's state) and
    its action one row per agent: a move ``0..4`` (Discrete) or ``(N, 5)`` in ``[0, 1]``
    (``continuous_actions``).

    Args:
        env_config: The ``env`` section: ``mpe2:simple_spread_v3`` with its ``kwargs`` (``N``,
            ``local_ratio``, ``max_cycles``, ``continuous_actions``), ``max_episode_steps``,
            ``truncation_is_termination`` and ``agents``.
        num_envs: Games in the batch.

    Raises:
        RlkitError: The config sets something the batch does not model (:func:`check_spread_config`), or
            the env is not mpe2's ``simple_spread``.
    """

    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}  # noqa: RUF012

    def __init__(self, env_config: EnvConfig, num_envs: int) -> None:
        check_spread_config(env_config)
        # one game built by make_env's own path: mpe2 checks the kwargs, and the batch reads its world
        template = make_task_env(env_config, check=False)
        raw = spread_game(template)
        if raw is None:
            template.close()
            raise RlkitError(
                "rollout.backend batched runs mpe2:simple_spread_v3 of the PettingZoo games, not environment "
                f"'{env_config.id}'{_USE_SYNC}"
            )
        self._template = template
        game = template.unwrapped
        assert isinstance(game, ParallelGame)
        world = raw.world
        _check_world(world, env_config.id)
        agent = world.agents[0]
        self.num_envs = num_envs
        self._agents = len(world.agents)
        self._landmarks = len(world.landmarks)
        self._continuous = bool(raw.continuous_actions)
        self._local_ratio = raw.local_ratio
        self._max_cycles = int(raw.max_cycles)
        #: The time limit ``env.max_episode_steps`` wraps around the game (its own end is ``max_cycles``).
        self.max_episode_steps = env_config.max_episode_steps
        self._truncation_is_termination = env_config.truncation_is_termination
        self._critic = game.critic
        # the world's constants, read from mpe2's own objects
        self._dt = world.dt
        self._damping = world.damping
        self._contact_force = world.contact_force
        self._contact_margin = world.contact_margin
        self._mass = agent.mass
        self._contact_distance = agent.size + agent.size
        #: The force of a full push (``SimpleEnv._set_action``'s sensitivity): the agent's accel, else 5.
        self._sensitivity = agent.accel if agent.accel is not None else _DEFAULT_SENSITIVITY
        self._move_forces = _MOVES * self._sensitivity
        self._comm_width = world.dim_c
        own_space = raw.action_space(raw.possible_agents[0])
        self._action_low = getattr(own_space, "low", None)
        self._action_high = getattr(own_space, "high", None)
        self._pairs = _AgentPairs(self._agents)
        self._width = 4 + 2 * self._landmarks + (2 + self._comm_width) * (self._agents - 1)
        if game.agent_observation_space.shape != (self._width,):  # mpe2 changed its observation: fail loud
            raise RlkitError(
                f"MPE's simple_spread observes {game.agent_observation_space.shape}, the batch "
                f"({self._width},){_USE_SYNC}"
            )
        self.single_observation_space = game.observation_space
        self.single_action_space = game.action_space
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.render_mode = None
        self.spec = template.spec
        #: Each game's generator (``SimpleEnv.np_random``): seeded at a seeded reset, else continued.
        self._generators: list[np.random.Generator | None] = [None] * num_envs
        self._positions = np.zeros((num_envs, self._agents, 2))
        self._velocities = np.zeros((num_envs, self._agents, 2))
        self._landmark_positions = np.zeros((num_envs, self._landmarks, 2))
        #: Steps of each game's episode (the game's ``steps`` and the time limit's count: both reset with it).
        self._elapsed = np.zeros(num_envs, dtype=np.int64)
        self._observations = self._observe()

    @property
    def threads(self) -> int:
        """Threads that step the games: one (NumPy's array operations)."""
        return 1

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Start a game in every env (or those of ``options["reset_mask"]``); game ``i`` is seeded with
        ``seed + i`` (or ``seed[i]`` from a list; None continues its generator)."""
        _, mask, ids = reset_envs(seed, options, self._generators)
        self._start_games(ids)
        fresh = self._observe(ids)
        for key, value in fresh.items():
            self._observations[key][ids] = value
        infos = {
            "agents_active": np.repeat(mask[:, None], self._agents, axis=1),
            "_agents_active": mask.copy(),
        }
        return _copied(self._observations), infos

    def step(
        self, actions: np.ndarray
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every game with its agents' rows of ``actions``; a game whose episode ends starts its next
        one in the same step (``SAME_STEP``), its last observation in ``info["final_obs"]``."""
        self._move(self._controls(actions))
        agent_rewards = self._rewards()
        self._elapsed += 1
        # the game ends its episode at max_cycles (truncating every agent), the time limit at its own
        truncated = self._elapsed >= self._max_cycles
        if self.max_episode_steps is not None:
            truncated |= self._elapsed >= self.max_episode_steps
        terminated = np.zeros(self.num_envs, dtype=bool)
        if self._truncation_is_termination:
            terminated, truncated = truncated, np.zeros(self.num_envs, dtype=bool)
        ended = terminated | truncated
        observations = self._observe()
        final_obs = None
        if ended.any():
            ids = np.flatnonzero(ended)
            last = {key: value[ids] for key, value in observations.items()}  # copies: the rows are reset
            final_obs = np.full(self.num_envs, None, dtype=object)
            for row, index in enumerate(ids):
                final_obs[index] = {key: value[row] for key, value in last.items()}
            self._start_games(ids)
            for key, value in self._observe(ids).items():
                observations[key][ids] = value
        self._observations = observations
        infos = self._step_infos(agent_rewards, ended, final_obs)
        return _copied(observations), agent_rewards.sum(axis=1), terminated, truncated, infos

    def _start_games(self, ids: np.ndarray) -> None:
        """Place games ``ids``' agents, then their landmarks, uniformly in ``[-1, 1]²`` as the scenario's
        ``reset_world`` does, each from its own generator; the agents start at rest."""
        for index in ids:
            generator = self._generators[index]
            if generator is None:
                raise RuntimeError("SpreadGames.step before reset: its games have no generators yet")
            # one draw of every coordinate: the same stream as the scenario's draw per entity
            drawn = generator.uniform(-1, +1, (self._agents + self._landmarks, 2))
            self._positions[index] = drawn[: self._agents]
            self._landmark_positions[index] = drawn[self._agents :]
        self._velocities[ids] = 0.0
        self._elapsed[ids] = 0

    def _controls(self, actions: np.ndarray) -> np.ndarray:
        """Each agent's control force ``(games, agents, 2)`` as ``ParallelGame`` hands mpe2 the action and
        ``SimpleEnv._set_action`` maps it."""
        if not self._continuous:
            moves = np.asarray(actions).reshape(self.num_envs, self._agents).astype(np.int64)
            if moves.min() < 0 or moves.max() >= len(_MOVES):
                raise ValueError(f"simple_spread's moves are 0..{len(_MOVES) - 1}, got {moves.tolist()}")
            return self._move_forces[moves]
        given = np.asarray(actions).reshape(self.num_envs, self._agents, -1)
        # ParallelGame clips each agent's action to its Box and casts it to float32
        own = np.clip(given[..., : len(_MOVES)], self._action_low, self._action_high).astype(np.float32)
        # _set_action adds the float32 differences to a float64 zero, then scales them
        pushes = np.stack([own[..., 2] - own[..., 1], own[..., 4] - own[..., 3]], axis=-1)
        return (0.0 + pushes.astype(np.float64)) * self._sensitivity

    def _move(self, controls: np.ndarray) -> None:
        """One ``World.step``: the control force (its noise is 0.0), every agent pair's contact force, then
        the integration, in mpe2's order of operations."""
        force = controls + 0.0
        delta = self._positions[:, self._pairs.first] - self._positions[:, self._pairs.second]
        distance = _norm(delta)
        margin = self._contact_margin
        penetration = np.logaddexp(0, -(distance - self._contact_distance) / margin) * margin
        pair_force = self._contact_force * delta / distance[..., None] * penetration[..., None]
        # each agent's contact forces arrive in the order of World's pair loop: its partners in order, the
        # pair's force on the first agent, its negative on the second
        signed = pair_force[:, self._pairs.of] * self._pairs.sign[..., None]
        for partner in range(self._agents - 1):
            force = signed[:, :, partner] + force
        self._positions += self._velocities * self._dt
        self._velocities = self._velocities * (1 - self._damping)
        self._velocities += (force / self._mass) * self._dt

    def _rewards(self) -> np.ndarray:
        """Each agent's reward ``(games, agents)``: the team's (minus each landmark's distance to its
        nearest agent) and the agent's own (-1 per agent it touches), mixed by ``local_ratio``."""
        nearest = _norm(self._positions[:, :, None] - self._landmark_positions[:, None]).min(axis=1)
        team = np.zeros(self.num_envs)
        for landmark in range(self._landmarks):  # global_reward's running sum, in landmark order
            team = team - nearest[:, landmark]
        apart = _norm(self._positions[:, self._pairs.first] - self._positions[:, self._pairs.second])
        touches = (apart < self._contact_distance)[:, self._pairs.of].sum(axis=-1)  # (games, agents)
        own = 0.0 - touches  # 0 minus 1.0 per touch: an agent that touches none has +0.0, as in mpe2
        mixed = team[:, None] * (1 - self._local_ratio) + own * self._local_ratio
        # the parallel wrapper adds each reward to an int 0 (+0.0 for a -0.0); C order, as a stack of games'
        return np.ascontiguousarray(0 + mixed)

    def _observe(self, ids: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Game observations of games ``ids`` (None: all), as ``ParallelGame`` stacks ``SimpleEnv.observe``:
        each agent's velocity, position, the landmarks' and the other agents' positions relative to it, and
        the other agents' (silent: zero) messages, cast to float32."""
        rows = slice(None) if ids is None else ids
        positions, velocities = self._positions[rows], self._velocities[rows]
        games = len(positions)
        own = np.zeros((games, self._agents, self._width), dtype=np.float32)
        own[..., 0:2] = velocities
        own[..., 2:4] = positions
        end = 4 + 2 * self._landmarks
        landmarks = self._landmark_positions[rows][:, None] - positions[:, :, None]
        own[..., 4:end] = landmarks.reshape(games, self._agents, -1)
        others = positions[:, None] - positions[:, :, None]  # [g, i, j]: agent j's position minus agent i's
        width = 2 * (self._agents - 1)
        own[..., end : end + width] = others[:, self._pairs.others[0], self._pairs.others[1]].reshape(
            games, self._agents, width
        )
        observations = {"observations": own}
        if self._critic != "own":  # state() is every agent's observation side by side, as "observations"
            observations["state"] = own.reshape(games, -1).copy()
        return observations

    def _step_infos(
        self, agent_rewards: np.ndarray, ended: np.ndarray, final_obs: np.ndarray | None
    ) -> dict[str, Any]:
        """A step's infos as ``SyncVectorEnv`` gathers the games' in ``SAME_STEP`` mode: a running game's
        ``agent_rewards`` and ``agents_active``; an ended game's ``final_obs``, ``final_info`` (its step
        info) and its reset's ``agents_active``. Keys come in the order game 0 meets them, then the other
        kind of game's new keys; each is followed by its ``_key`` mask."""
        running = ~ended
        every = np.ones((self.num_envs, self._agents), dtype=bool)
        values: dict[str, tuple[Any, np.ndarray]] = {
            "agent_rewards": (np.where(running[:, None], agent_rewards, 0.0), running),
            # every agent is in the game at a step's start and after a reset
            "agents_active": (every, np.ones(self.num_envs, dtype=bool)),
        }
        ended_keys: list[str] = []
        if final_obs is not None:
            ended_keys = ["final_obs", "final_info", "agents_active"]
            final_info = {
                "agent_rewards": np.where(ended[:, None], agent_rewards, 0.0),
                "_agent_rewards": ended.copy(),
                "agents_active": np.repeat(ended[:, None], self._agents, axis=1),
                "_agents_active": ended.copy(),
            }
            values["final_obs"], values["final_info"] = (final_obs, ended), (final_info, ended)
        running_keys = ["agent_rewards", "agents_active"] if running.any() else []
        first, other = (running_keys, ended_keys) if running[0] else (ended_keys, running_keys)
        infos: dict[str, Any] = {}
        for key in [*first, *(key for key in other if key not in first)]:
            value, mask = values[key]
            infos[key], infos[f"_{key}"] = value, mask.copy()
        return infos

    def capture_state(self) -> dict[str, Any]:
        """Every game's state as checkpoint data (positions, velocities, steps, generators; see
        :mod:`rlkit.envs.env_state`), for a resume that continues the episodes exactly."""
        return {"env": encode_attrs(self, exclude=("_template", "spec"))}

    def restore_state(self, state: dict[str, Any]) -> bool:
        """Continue the games :meth:`capture_state` saved; False (nothing written) when they do not fit
        this batch (another number of games or agents)."""
        saved = state["env"]
        if (saved.get("num_envs"), saved.get("_agents")) != (self.num_envs, self._agents):
            return False
        restore_attrs(self, saved)
        return True

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """An attribute of the game (``agent_names``, ``critic``, ...), the same for every game.

        Raises:
            RlkitError: ``name`` is a method: the batch holds no per-game env object to call it on.
        """
        value = self._template.get_wrapper_attr(name)
        if callable(value):
            raise RlkitError(
                f"rollout.backend batched cannot call '{name}' on its simple_spread games (they have no "
                f"per-game env object){_USE_SYNC}"
            )
        return (value,) * self.num_envs

    def get_attr(self, name: str) -> tuple[Any, ...]:
        """An attribute of the game, for every game (see :meth:`call`)."""
        return self.call(name)

    def close_extras(self, **kwargs: Any) -> None:
        """Release the template game."""
        self._template.close()


def _check_world(world: Any, env_id: str) -> None:
    """Fail unless ``world`` is the one the batch models: identical colliding, movable, silent agents
    without noise or speed limit, fixed landmarks that collide with nothing, a plane. A guard against an mpe2
    whose scenario changed: no keyword argument of ``simple_spread_v3`` changes these."""
    agent = world.agents[0]
    modelled = (
        world.dim_p == 2
        and not world.scripted_agents
        and all(
            (a.movable, a.collide, a.silent, a.size, a.mass, a.accel, a.max_speed, a.u_noise, a.c_noise)
            == (True, True, True, agent.size, agent.mass, agent.accel, None, None, None)
            for a in world.agents
        )
        and not any(landmark.movable or landmark.collide for landmark in world.landmarks)
    )
    if not modelled:
        raise RlkitError(f"the world of '{env_id}' is not simple_spread's as the batch models it{_USE_SYNC}")


class _AgentPairs:
    """Index tables of a game's agent pairs, in the order of ``World.apply_environment_force``'s loop.

    Attributes:
        first, second: Each pair's first and second agent ``(pairs,)``.
        of: Each agent's pair with each of its partners ``(agents, agents - 1)``, partners in order.
        sign: The sign of that pair's force on the agent: + on the pair's first agent, - on its second.
        others: Each agent's partners as ``(rows, columns)`` indices, ``(2, agents, agents - 1)``.
    """

    def __init__(self, agents: int) -> None:
        pairs = [(a, b) for a in range(agents) for b in range(a + 1, agents)]
        number = {pair: index for index, pair in enumerate(pairs)}
        partners = [[other for other in range(agents) if other != agent] for agent in range(agents)]
        shape = (agents, agents - 1)
        self.first = np.array([a for a, _ in pairs], dtype=np.int64)
        self.second = np.array([b for _, b in pairs], dtype=np.int64)
        self.of = np.array(
            [[number[min(agent, p), max(agent, p)] for p in row] for agent, row in enumerate(partners)],
            dtype=np.int64,
        ).reshape(shape)
        self.sign = np.array(
            [[1.0 if agent < p else -1.0 for p in row] for agent, row in enumerate(partners)]
        ).reshape(shape)
        rows = np.repeat(np.arange(agents)[:, None], agents - 1, axis=1)
        self.others = np.stack([rows, np.array(partners, dtype=np.int64).reshape(shape)])


def _norm(delta: np.ndarray) -> np.ndarray:
    """The length of each 2-D vector (last axis), as mpe2 computes it: ``sqrt(sum(square(delta)))``."""
    return np.sqrt(np.square(delta).sum(axis=-1))


def _copied(observations: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Observations the caller owns (the batch keeps writing into its own)."""
    return {key: value.copy() for key, value in observations.items()}
