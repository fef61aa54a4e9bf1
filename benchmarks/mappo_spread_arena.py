"""simple_spread as MAPPO's own code sets it, and the score MAPPO's own logs report.

MAPPO's MPE (marlbenchmark/on-policy, ``onpolicy/envs/mpe/scenarios/simple_spread.py``) places the
landmarks in 0.8 x [-1, 1], where PettingZoo's ``simple_spread_v3`` places them in [-1, 1]; the agents start
in [-1, 1] in both, and both observe and move alike. :func:`parallel_env` is PettingZoo's game with
MAPPO's landmark placement (``env.id: mappo_spread_arena:parallel_env``), drawn from the same random
numbers, so a seed gives the same episode with the landmarks pulled in by 0.8.

Its rewards differ too, but only in scale. MAPPO gives every agent the sum of all agents' rewards, and an
agent's own reward there is the negative sum of each landmark's nearest-agent distance ``D``, less one for
every agent within touching distance, itself included. PettingZoo's agent ``i`` gets half of ``-D`` and
half of ``-c_i``, its collisions with the others (its default ``local_ratio``, 0.5, which this assumes).
Summed over the ``N`` agents of a step, MAPPO's reward per agent is ``-N D - sum(c_i) - N``, and
PettingZoo's team reward is ``-(N D + sum(c_i)) / 2``, so MAPPO's ``average_episode_rewards`` (the mean
reward per agent per step, times the episode's length ``T``) is exactly :func:`mappo_score` of
PettingZoo's team return: ``2 x team - N x T``.
"""

from __future__ import annotations

from typing import Any

from mpe2 import simple_spread_v3

#: MAPPO's landmarks lie in this fraction of the agents' [-1, 1] square.
LANDMARK_SCALE = 0.8


def parallel_env(**kwargs: Any) -> Any:
    """PettingZoo's ``simple_spread_v3`` Parallel env (``kwargs`` its own) with MAPPO's landmark placement."""
    env = simple_spread_v3.parallel_env(**kwargs)
    scenario = env.unwrapped.scenario
    place = scenario.reset_world

    def reset_world(world: Any, np_random: Any) -> None:
        place(world, np_random)  # the same draws as PettingZoo's, then MAPPO's narrower landmark square
        for landmark in world.landmarks:
            landmark.state.p_pos = LANDMARK_SCALE * landmark.state.p_pos

    scenario.reset_world = reset_world
    env.reset()  # the constructor's first world was placed before the patch
    return env


def mappo_score(team_return: float, agents: int, episode_length: int) -> float:
    """MAPPO's ``average_episode_rewards`` for an episode whose PettingZoo team return is ``team_return``
    (exact: see the module docstring)."""
    return 2.0 * team_return - agents * episode_length
