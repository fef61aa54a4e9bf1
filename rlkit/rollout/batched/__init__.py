"""The ``batched`` rollout backend: rlkit's MuJoCo tasks as one batch of sims (:class:`BatchedVectorEnv`)."""

from rlkit.rollout.batched.batched_vector_env import BatchedVectorEnv

__all__ = ["BatchedVectorEnv"]
