"""Parity of an exported policy with the PyTorch policy it came from, on observations from real rollouts.

:func:`record_rollout` steps the run's env (built by ``rlkit.envs.make_env`` from the run's config, sensor
models included) with the agent's deterministic PyTorch policy and records every observation, where episodes
started, and the action the PyTorch policy chose. :func:`check_parity` replays the recording through the
exported policy (step by step, carrying and resetting the explicit state, for a recurrent one; in one batch
for a feed-forward one) and compares the actions: discrete actions must be identical, continuous ones within
:func:`continuous_tolerance`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from rlkit.envs.multi_agent import ParallelGame
from rlkit.nn.deploy import DeploySpec
from rlkit.rollout.agent_rows import agent_rows

#: Absolute tolerance on continuous env actions, per unit of the largest action bound (at least 1).
CONTINUOUS_ATOL = 1e-5

Runner = Callable[..., Sequence[np.ndarray]]


@dataclass(frozen=True)
class Recording:
    """Observations (as the exported policy takes them), episode starts and the PyTorch policy's actions;
    a game's agents' records come in turn, ``agents`` of them each step."""

    obs: np.ndarray
    episode_starts: np.ndarray
    actions: np.ndarray
    agents: int = 1

    def rows(self, agent: int) -> Recording:
        """Agent ``agent``'s own records, one per step."""
        every = self.agents
        return Recording(
            self.obs[agent::every], self.episode_starts[agent::every], self.actions[agent::every]
        )

    @property
    def episodes(self) -> int:
        """Episodes begun in the recording."""
        return int(self.episode_starts.sum()) // self.agents


@dataclass(frozen=True)
class ParityResult:
    """How closely the exported policy's actions matched the PyTorch policy's."""

    steps: int
    episodes: int
    max_abs_diff: float
    mismatches: int
    tolerance: float
    passed: bool

    def line(self, runtime: str) -> str:
        """One line for the CLI."""
        verdict = "ok" if self.passed else "FAILED"
        what = "identical discrete actions required" if self.tolerance == 0 else f"atol {self.tolerance:g}"
        return (
            f"parity ({runtime} vs PyTorch, {self.steps} steps, {self.episodes} episodes): "
            f"max abs action diff {self.max_abs_diff:.3g}, {self.mismatches} mismatches ({what}): {verdict}"
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def continuous_tolerance(spec: DeploySpec) -> float:
    """The absolute action tolerance of ``spec``: 0 for discrete actions, else
    :data:`CONTINUOUS_ATOL` times the largest action bound's magnitude (at least 1)."""
    if spec.action["type"] == "discrete":
        return 0.0
    bounds = np.abs(np.concatenate([spec.action["low"], spec.action["high"]]))
    return CONTINUOUS_ATOL * max(1.0, float(bounds.max()))


def _policy_part(obs: Any) -> np.ndarray:
    """What a deployed policy reads of an observation: a Dict's ``policy`` part and its ``action_mask``."""
    if not isinstance(obs, dict):
        return np.asarray(obs)
    if "action_mask" not in obs:
        return np.asarray(obs["policy"])
    return np.concatenate(
        [np.asarray(obs["policy"], np.float32), np.asarray(obs["action_mask"], np.float32)], -1
    )


def record_rollout(policy: Any, env: Any, steps: int, seed: int, agent_id: bool = True) -> Recording:
    """Step ``env`` ``steps`` times with ``policy`` (a :class:`rlkit.policy.Policy`, fed batches of one),
    resetting it (seed, seed + 1, ...) whenever an episode ends, and record what the policy saw and did.

    A multi-agent game's agents each act as a row of the shared policy (with their one-hot index where
    ``agent_id``), and each agent's observation and action is one record."""
    observations: list[np.ndarray] = []
    starts: list[bool] = []
    actions: list[np.ndarray] = []
    episode = 0
    obs, _ = env.reset(seed=seed)
    start = True
    game = env.unwrapped if isinstance(env.unwrapped, ParallelGame) else None
    for _ in range(steps):
        batched = {k: v[None] for k, v in obs.items()} if isinstance(obs, dict) else np.asarray(obs)[None]
        if game is not None:  # every agent's row; the game takes all their actions
            assert isinstance(batched, dict)  # a game observes a Dict
            rows = agent_rows(batched, agent_id)
            action = np.asarray(policy(rows, np.full(len(game.agent_names), start)))
            observations.extend(_policy_part(rows))
            starts.extend([start] * len(action))
            actions.extend(action)
            obs, _, terminated, truncated, _ = env.step(action)
        else:
            action = np.asarray(policy(batched, np.array([start])))
            observations.append(_policy_part(obs))
            starts.append(start)
            actions.append(action[0])
            obs, _, terminated, truncated, _ = env.step(action[0])
        start = bool(terminated or truncated)
        if start:
            episode += 1
            obs, _ = env.reset(seed=seed + episode)
    agents = 1 if game is None else len(game.agent_names)
    return Recording(np.stack(observations), np.asarray(starts), np.stack(actions), agents)


def exported_actions(runner: Runner, spec: DeploySpec, recording: Recording) -> np.ndarray:
    """The exported policy's actions for every recorded step (state carried and reset for a recurrent one,
    each agent of a game with a state of its own)."""
    obs = recording.obs.astype(spec.observation_dtype, copy=False)
    if not spec.recurrent:
        return np.asarray(runner(obs)[0])
    if recording.agents > 1:
        streams = [exported_actions(runner, spec, recording.rows(i)) for i in range(recording.agents)]
        rows = np.empty((len(obs), *streams[0].shape[1:]), dtype=streams[0].dtype)
        for agent, stream in enumerate(streams):
            rows[agent :: recording.agents] = stream
        return rows
    states = [np.zeros((s.num_layers, 1, s.hidden_size), dtype=np.float32) for s in spec.states]
    actions = []
    for t in range(len(obs)):
        start = np.array([float(recording.episode_starts[t])], dtype=np.float32)
        action, *states = runner(obs[t : t + 1], *states, start)
        actions.append(np.asarray(action)[0])
    return np.stack(actions)


def compare_actions(
    expected: np.ndarray, actual: np.ndarray, spec: DeploySpec, episodes: int
) -> ParityResult:
    """Parity of ``actual`` (exported) with ``expected`` (PyTorch) actions."""
    tolerance = continuous_tolerance(spec)
    if expected.shape != actual.shape:
        return ParityResult(len(expected), episodes, float("inf"), len(expected), tolerance, False)
    diff = np.abs(expected.astype(np.float64) - actual.astype(np.float64))
    per_step = diff.reshape(len(diff), -1).max(axis=1) if diff.size else np.zeros(len(diff))
    mismatches = int((per_step > tolerance).sum())
    max_diff = float(per_step.max()) if len(per_step) else 0.0
    return ParityResult(len(expected), episodes, max_diff, mismatches, tolerance, mismatches == 0)


def check_parity(runner: Runner, spec: DeploySpec, recording: Recording) -> ParityResult:
    """Replay ``recording`` through the exported policy and compare with the recorded PyTorch actions."""
    return compare_actions(
        recording.actions, exported_actions(runner, spec, recording), spec, recording.episodes
    )
