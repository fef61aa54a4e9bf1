"""The ``batched`` rollout backend: rlkit's MuJoCo tasks as one batch of sims (:class:`BatchedVectorEnv`), a
team of robots as one batch of games (:class:`BatchedTeamVectorEnv`); :func:`batched_vector_env` builds the
one a config needs."""

from rlkit.rollout.batched.batched_vector_env import BatchedVectorEnv
from rlkit.rollout.batched.team_vector_env import BatchedTeamVectorEnv, batched_vector_env

__all__ = ["BatchedTeamVectorEnv", "BatchedVectorEnv", "batched_vector_env"]
