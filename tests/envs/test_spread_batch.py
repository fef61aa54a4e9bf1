"""MPE's simple_spread on the batched backend (:class:`~rlkit.envs.multi_agent.spread_batch.SpreadGames`):
the games and the agent rows the sync backend gives for the same seeds and actions, to the bit, through
autoresets, time limits and partial resets; one-line refusals of what it does not model, which ``auto``
then steps on sync."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs.factory import make_env
from rlkit.envs.multi_agent.spread_batch import SpreadGames, spread_game
from rlkit.errors import RlkitError
from rlkit.rollout.batched import BatchedVectorEnv, batched_vector_env
from rlkit.rollout.in_process_vector_env import backend_name
from rlkit.rollout.vector_env import describe_backend_choice, make_vector_env

SPREAD = "mpe2:simple_spread_v3"
GAMES = 5
AUTO = RolloutConfig(backend="auto")


def assert_bits(a: Any, b: Any, where: str = "") -> None:
    """The same to the bit: arrays of the same dtype, shape, memory order and bytes (objects compared
    element by element), dicts with the same keys in the same order, the same scalars."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for key in a:
            assert_bits(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, tuple | list):
        assert type(a) is type(b) and len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_bits(x, y, f"{where}[{index}]")
    elif isinstance(a, np.ndarray) and a.dtype == object:
        assert isinstance(b, np.ndarray) and b.dtype == object and a.shape == b.shape, where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_bits(x, y, f"{where}[{index}]")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), f"{where}: {type(b)}"
        assert (a.dtype, a.shape) == (b.dtype, b.shape), f"{where}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        assert a.flags.c_contiguous == b.flags.c_contiguous, f"{where}: memory order"
        assert a.tobytes() == b.tobytes(), f"{where}: {a} != {b}"
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} != {b!r}"


def recording(rows: Any) -> list[Any]:
    """What ``rows``' games return from each reset and step, recorded as the rows env calls them."""
    games, calls = rows.games, []

    def record(method: Any) -> Any:
        def called(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            calls.append(result)
            return result

        return called

    games.reset, games.step = record(games.reset), record(games.step)
    return calls


def random_actions(rng: np.random.Generator, rows: int, continuous: bool, dtype: Any) -> np.ndarray:
    """A move per row, or 5 pushes per row a little outside [0, 1] (the game clips them)."""
    if continuous:
        return rng.uniform(-0.25, 1.25, (rows, 5)).astype(dtype)
    return rng.integers(0, 5, rows)


def contacts(observations: np.ndarray, agents: int) -> int:
    """Agent pairs closer than their radii's sum (0.3) in a batch of game observations, counted from each
    agent's view of the others."""
    start = 4 + 2 * agents
    others = observations[..., start : start + 2 * (agents - 1)].reshape(*observations.shape[:-1], -1, 2)
    return int((np.linalg.norm(others, axis=-1) < 0.3).sum()) // 2


CASES = [
    # (kwargs, env fields, action dtype)
    ({"N": 3, "max_cycles": 9}, {"agents": {"critic": "state"}}, np.float32),
    ({"N": 4, "local_ratio": 0.0, "max_cycles": 7, "continuous_actions": True}, {}, np.float32),
    (
        {"N": 4, "local_ratio": 1.0, "max_cycles": 8},
        {"agents": {"critic": "observations", "agent_id": False}, "max_episode_steps": 5},
        np.float32,
    ),
    (
        {"N": 3, "local_ratio": 1, "max_cycles": 6, "continuous_actions": True},
        {"agents": {"critic": "state"}, "truncation_is_termination": True},
        np.float64,
    ),
]


@pytest.mark.parametrize(("kwargs", "fields", "dtype"), CASES)
@pytest.mark.parametrize("seed", [0, 7919])
def test_batched_games_step_as_the_sync_games_to_the_bit(
    kwargs: dict[str, Any], fields: dict[str, Any], dtype: Any, seed: int
) -> None:
    config = EnvConfig(id=SPREAD, kwargs=kwargs, **fields)
    sync = make_vector_env(config, GAMES, RolloutConfig(backend="sync"))
    batched = make_vector_env(config, GAMES, RolloutConfig(backend="batched"))
    assert isinstance(sync.games, gym.vector.SyncVectorEnv)
    assert isinstance(batched.games, BatchedVectorEnv) and isinstance(batched.games.handed_to, SpreadGames)
    assert batched.single_observation_space == sync.single_observation_space
    assert batched.games.single_action_space == sync.games.single_action_space
    sync_games, batched_games = recording(sync), recording(batched)
    assert_bits(sync.reset(seed=seed), batched.reset(seed=seed), "reset")
    agents, continuous = kwargs["N"], kwargs.get("continuous_actions", False)
    rng = np.random.default_rng(seed)
    ends, touching, mixed = 0, 0, set()
    for step in range(3 * kwargs["max_cycles"]):
        if step in (3, 11):  # some games restart mid-episode: from then on, games end at different steps
            mask = np.arange(GAMES) % 2 == (step == 11)  # game 0 among them, then not
            options = [{"reset_mask": mask.copy()}, {"reset_mask": mask.copy()}]
            again = [None if not reset else seed + 100 + game for game, reset in enumerate(mask)]
            assert_bits(
                sync.reset(seed=again, options=options[0]), batched.reset(seed=again, options=options[1])
            )
        actions = random_actions(rng, sync.num_envs, continuous, dtype)
        assert_bits(sync.step(actions.copy()), batched.step(actions.copy()), f"rows, step {step}")
        assert_bits(sync_games[-1], batched_games[-1], f"games, step {step}")
        observations, _, terminated, truncated, _ = sync_games[-1]
        ended = terminated | truncated
        ends += int(ended.sum())
        if 0 < ended.sum() < GAMES:  # some games end, others run on: game 0 among the ones or the others
            mixed.add(bool(ended[0]))
        touching += contacts(observations["observations"], agents)
    assert len(sync_games) == len(batched_games) == 3 + 3 * kwargs["max_cycles"]
    # what the comparison went through: autoresets (of all games, and of some while game 0 ends or runs on)
    # and agents in contact (collision forces and penalties)
    assert ends >= GAMES * 2 and mixed == {True, False} and touching > 0


def test_crowded_agents_push_each_other_as_mpe2_does() -> None:
    # every agent overlapping the others: each feels several contact forces at once, which mpe2 sums in the
    # order of its pair loop (another order differs in the last bits)
    config = spread(kwargs={"N": 4, "continuous_actions": True, "max_cycles": 30})
    sync = make_vector_env(config, 8, RolloutConfig(backend="sync")).games
    batched = make_vector_env(config, 8, RolloutConfig(backend="batched")).games
    assert_bits(sync.reset(seed=3), batched.reset(seed=3))
    rng = np.random.default_rng(3)
    crowded = rng.uniform(-0.1, 0.1, (8, 4, 2))
    for game, positions in zip(sync.envs, crowded, strict=True):
        for agent, position in zip(game.unwrapped.game.unwrapped.world.agents, positions, strict=True):
            agent.state.p_pos = position.copy()
    batched.handed_to._positions[:] = crowded
    worlds = [game.unwrapped.game.unwrapped.world for game in sync.envs]
    for step in range(12):
        actions = rng.uniform(0, 1, (8, 4, 5)).astype(np.float32)
        assert_bits(sync.step(actions), batched.step(actions), f"step {step}")
        # the float64 state too, which the float32 observations round: velocities differ first
        for name, field in (("p_pos", "_positions"), ("p_vel", "_velocities")):
            mpe2 = np.array([[getattr(agent.state, name) for agent in world.agents] for world in worlds])
            assert_bits(mpe2, getattr(batched.handed_to, field), f"step {step}: {name}")
    sync.close()
    batched.close()


def test_a_captured_batch_continues_its_episodes() -> None:
    games = SpreadGames(EnvConfig(id=SPREAD, kwargs={"N": 3, "max_cycles": 4}), 3)
    games.reset(seed=5)
    moves = np.random.default_rng(0).integers(0, 5, (12, 3, 3))
    for move in moves[:5]:
        games.step(move)
    state = games.capture_state()
    first = [games.step(move) for move in moves[5:]]
    assert games.restore_state(state)
    assert_bits(first, [games.step(move) for move in moves[5:]])
    fewer = SpreadGames(EnvConfig(id=SPREAD, kwargs={"N": 3}), 2)
    assert not fewer.restore_state(state)
    games.close()
    fewer.close()


def spread(**fields: Any) -> EnvConfig:
    """A simple_spread config with ``fields``."""
    return EnvConfig(id=SPREAD, **fields)


@pytest.mark.parametrize(
    ("config", "teacher_view", "named"),
    [
        (spread(kwargs={"curriculum": True}), False, "env.kwargs.curriculum=True"),
        (spread(kwargs={"terminate_on_success": True}), False, "env.kwargs.terminate_on_success"),
        (spread(kwargs={"num_agent_neighbors": 1}), False, "env.kwargs.num_agent_neighbors"),
        (spread(kwargs={"num_landmark_neighbors": 2}), False, "env.kwargs.num_landmark_neighbors"),
        (spread(kwargs={"render_mode": "rgb_array"}), False, "env.kwargs.render_mode"),
        (spread(actuators={"noise_std": 0.1}), False, "env.actuators is not supported"),
        (spread(visual_randomization={}), False, "env.visual_randomization"),
        (spread(), True, "no teacher's view"),
    ],
)
def test_what_the_batch_does_not_model_is_refused_in_one_line(
    config: EnvConfig, teacher_view: bool, named: str
) -> None:
    with pytest.raises(RlkitError) as refusal:
        batched_vector_env(config, 2, teacher_view=teacher_view)
    message = str(refusal.value)
    assert named in message and message.endswith("; use rollout.backend sync") and "\n" not in message


def test_auto_batches_spread_and_steps_on_sync_what_the_batch_refuses() -> None:
    config = spread(agents={"critic": "state"})
    env = make_vector_env(config, 2, AUTO)
    assert isinstance(env.games, BatchedVectorEnv) and backend_name(env) == "batched"
    assert describe_backend_choice(env, config, AUTO) == (
        "rollout.backend auto: batched (2 games as NumPy arrays)"
    )
    env.close()
    refused = spread(kwargs={"terminate_on_success": True})
    env = make_vector_env(refused, 2, AUTO)
    assert isinstance(env.games, gym.vector.SyncVectorEnv) and backend_name(env) == "sync"
    note = describe_backend_choice(env, refused, AUTO)
    assert note is not None and note.startswith("rollout.backend auto: sync (the batched backend cannot")
    assert "env.kwargs.terminate_on_success" in note and "use rollout.backend sync" not in note
    env.close()
    rendered = make_vector_env(config, 2, AUTO, render_mode="rgb_array")
    assert isinstance(rendered.games, gym.vector.SyncVectorEnv)
    rendered.close()


def test_a_game_changed_from_outside_is_not_taken_for_simple_spread() -> None:
    config = spread(agents={"critic": "state"})
    env = make_env(config)
    raw = spread_game(env)
    assert raw is not None
    place = raw.scenario.reset_world

    def nearer_landmarks(world: Any, np_random: np.random.Generator) -> None:
        place(world, np_random)
        for landmark in world.landmarks:
            landmark.state.p_pos = 0.8 * landmark.state.p_pos

    raw.scenario.reset_world = nearer_landmarks  # the batch would place them where mpe2's scenario does
    assert spread_game(env) is None
    del raw.scenario.reset_world
    assert spread_game(env) is raw
    raw.scenario = type("OwnScenario", (type(raw.scenario),), {})()
    assert spread_game(env) is None
    env.close()
