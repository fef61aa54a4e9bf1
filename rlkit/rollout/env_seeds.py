"""The seed each env of a vector env resets with, on every backend."""

from __future__ import annotations

#: A process backend's replacement worker resets env ``i`` with ``seed_i + RESTART_SEED_OFFSET × (restarts of
#: its worker)``: fresh episodes, still a function of the run's seed, far from the seeds of the other envs
#: (``seed + index``), of resumed runs and of evaluation (``seed + 1_000_000``).
RESTART_SEED_OFFSET = 10_000_000


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
