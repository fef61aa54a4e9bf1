"""The seeds a replacement worker's envs reset with (every env's own: :func:`rlkit.seeding.per_env_seeds`)."""

from __future__ import annotations

#: A process backend's replacement worker resets env ``i`` with ``seed_i + RESTART_SEED_OFFSET × (restarts of
#: its worker)``: fresh episodes, still a function of the run's seed, far from the seeds of the other envs
#: (``seed + index``), of resumed runs and of evaluation (``seed + 1_000_000``).
RESTART_SEED_OFFSET = 10_000_000
