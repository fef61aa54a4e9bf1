"""The spread benchmark's MAPPO arena (``benchmarks/mappo_spread_arena.py``): PettingZoo's game with MAPPO's
landmark placement, stepped on sync (the batch would place the landmarks PettingZoo's way), and MAPPO's
logged score computed from PettingZoo's team return, checked against MAPPO's reward worked out from the
particles themselves."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from mpe2 import simple_spread_v3

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.rollout.in_process_vector_env import backend_name
from rlkit.rollout.vector_env import make_vector_env

ARENA = Path(__file__).resolve().parents[2] / "benchmarks" / "mappo_spread_arena.py"


@pytest.fixture(scope="module")
def arena() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mappo_spread_arena", ARENA)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_landmarks_are_pettingzoo_s_pulled_in_by_mappo_s_scale(arena: ModuleType) -> None:
    mappo, pettingzoo = arena.parallel_env(N=3), simple_spread_v3.parallel_env(N=3)
    for seed in range(5):
        mappo.reset(seed=seed)
        pettingzoo.reset(seed=seed)
        worlds = mappo.unwrapped.world, pettingzoo.unwrapped.world
        for ours, theirs in zip(*(world.landmarks for world in worlds), strict=True):
            np.testing.assert_array_equal(ours.state.p_pos, 0.8 * theirs.state.p_pos)
        for ours, theirs in zip(*(world.agents for world in worlds), strict=True):
            np.testing.assert_array_equal(ours.state.p_pos, theirs.state.p_pos)


def touching(world: Any) -> int:
    """Ordered pairs of agents closer than their radii's sum, an agent with itself included (as MAPPO's
    reward counts them)."""
    agents = world.agents
    distances = [[np.linalg.norm(a.state.p_pos - b.state.p_pos) for b in agents] for a in agents]
    sizes = np.array([a.size for a in agents])
    return int((np.array(distances) < np.add.outer(sizes, sizes)).sum())


def mappo_reward(world: Any) -> float:
    """MAPPO's step reward per agent (on-policy's simple_spread with its shared reward): the sum over agents
    of minus each landmark's nearest-agent distance, less one per agent it touches, itself included."""
    agents = world.agents
    nearest = [min(np.linalg.norm(a.state.p_pos - lm.state.p_pos) for a in agents) for lm in world.landmarks]
    return -len(agents) * sum(nearest) - touching(world)


@pytest.mark.parametrize("agents", [2, 3, 4])
def test_mappo_s_score_is_the_team_return_rescaled(arena: ModuleType, agents: int) -> None:
    env = arena.parallel_env(N=agents, max_cycles=25)
    rng = np.random.default_rng(agents)
    collisions = 0
    for seed in range(3):
        env.reset(seed=seed)
        world = env.unwrapped.world
        if seed == 0:  # start the agents in a huddle, so that the collision terms count
            for index, agent in enumerate(world.agents):
                agent.state.p_pos = np.array([0.1 * index, 0.0])
        team, mappo = 0.0, 0.0
        while env.agents:
            _, rewards, _, _, _ = env.step({name: int(rng.integers(5)) for name in env.agents})
            team += sum(rewards.values())
            mappo += mappo_reward(world)
            collisions += touching(world) - agents
        assert arena.mappo_score(team, agents, 25) == pytest.approx(mappo, abs=1e-9)
    assert collisions > 0


def test_rlkit_steps_the_arena_on_sync(arena: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ARENA.parent))
    config = EnvConfig(id="mappo_spread_arena:parallel_env", kwargs={"N": 3, "max_cycles": 25})
    env = make_vector_env(config, 2, RolloutConfig(backend="auto"))
    assert backend_name(env) == "sync"
    env.close()
