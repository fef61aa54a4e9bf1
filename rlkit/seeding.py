"""rlkit's one seeding rule: a random stream is named, and seeded from a seed and its name.

Stream ``name`` of seed ``s`` starts from NumPy's ``SeedSequence([s, crc32(name)])``. The same seed and name
give the same numbers in every process and on every backend; different names give independent streams, so
a stream that draws more (another env, another exploration scheme) never shifts the numbers of another, and
no stream replays the draws of a generator seeded with ``s`` itself (torch's global generator, which draws
the initial weights).

The env side seeds each sim2real effect by this rule from its env's seed, the effect's name as the stream
name (:mod:`rlkit.sim.random_stream`, :mod:`rlkit.sim.random_streams`). Agents seed theirs from the run's seed
(``train.seed``) with these names:

* ``exploration``: the policy's action sampling and exploration noise (an on-policy agent's minibatch order
  and an off-policy actor-critic's update noise draw from it too), epsilon-greedy choices;
* ``warmup``: the uniform random actions before ``learning_starts`` (SAC, TD3);
* ``replay``: which stored transitions or sequences a replay buffer samples;
* ``noisy_nets``: the noise of NoisyNet layers (DQN);
* ``evaluation``: an evaluation policy's own epsilon-greedy choices (R2D2).

An acting copy of an agent on a Ray worker is seeded with :func:`stream_seed` of the run's seed for the name
``acting/worker{w}/restart{r}``, and derives its streams from that seed by the same names. Distillation
draws who acts and its minibatch order from ``distillation``.

Every vector env, on every backend, resets env ``i`` of ``reset(seed=s)`` with ``s + i``
(:func:`per_env_seeds`).
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import torch
from gymnasium.utils import seeding


def stream_key(name: str) -> int:
    """A stable 32-bit key for ``name`` (Python's ``hash`` of a string changes between processes)."""
    return zlib.crc32(name.encode())


def stream_seed_sequence(seed: int, name: str) -> np.random.SeedSequence:
    """The root of stream ``name`` for ``seed``: ``SeedSequence([seed, crc32(name)])``."""
    return np.random.SeedSequence([int(seed), stream_key(name)])


def seeded_generator(seed: int, name: str) -> np.random.Generator:
    """The NumPy generator of stream ``name`` for ``seed``."""
    return np.random.default_rng(stream_seed_sequence(seed, name))


def stream_seed(seed: int, name: str) -> int:
    """A 63-bit integer seed of stream ``name`` for ``seed``, for APIs that take an int (a torch generator,
    a replay buffer's ``seed``, an acting copy of an agent)."""
    return int(stream_seed_sequence(seed, name).generate_state(1, np.uint64)[0] >> np.uint64(1))


def seeded_torch_generator(seed: int, name: str, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch generator on ``device`` seeded for stream ``name`` of ``seed``."""
    generator = torch.Generator(device=device)
    generator.manual_seed(stream_seed(seed, name))
    return generator


def per_env_seeds(seed: int | list[int | None] | None, num_envs: int) -> list[int | None]:
    """The seed of each env for ``reset(seed=...)``, as Gymnasium's vector envs read it: a list as given,
    an int ``seed`` as ``seed + i`` for env ``i``, None as unseeded.

    Raises:
        ValueError: A list of another length than ``num_envs``.
    """
    if seed is None:
        return [None] * num_envs
    if isinstance(seed, int):
        return [seed + index for index in range(num_envs)]
    if len(seed) != num_envs:
        raise ValueError(f"reset got {len(seed)} seeds for {num_envs} envs")
    return list(seed)


def reset_envs(
    seed: int | list[int | None] | None,
    options: dict[str, Any] | None,
    generators: list[np.random.Generator | None],
) -> tuple[list[int | None], np.ndarray, np.ndarray]:
    """What a batched vector env's ``reset(seed=..., options=...)`` starts: each env's seed
    (:func:`per_env_seeds`), the mask of envs to start (``options["reset_mask"]``, else all) and their
    indices. Reseeds, in place, the generator of every env started with a seed or without a generator yet
    (a started env given None keeps its generator, as Gymnasium's envs do).

    Raises:
        ValueError: A seed list of another length than the envs.
    """
    num_envs = len(generators)
    seeds = per_env_seeds(seed, num_envs)
    mask = np.ones(num_envs, dtype=bool)
    if options is not None and "reset_mask" in options:
        mask = np.asarray(options["reset_mask"], dtype=bool).reshape(num_envs)
    ids = np.flatnonzero(mask)
    for index in ids:
        if seeds[index] is not None or generators[index] is None:
            generators[index] = seeding.np_random(seeds[index])[0]
    return seeds, mask, ids
