"""rlkit's MuJoCo tasks as one batch: N sims of one model stepped by one call, task terms on arrays.

:class:`~rlkit.envs.batched.sim_batch.SimBatch` steps the sims (``mujoco.batch.Batch``) and holds their live
``(num_envs, ...)`` arrays; :class:`~rlkit.envs.batched.batched_task.BatchedTask` computes a task's
observations, rewards, terminations and reset distribution on them. Gymnasium's MuJoCo locomotion tasks have
their own pair, :mod:`rlkit.envs.batched.gymnasium_locomotion`. The rollout backend that makes a Gymnasium
``VectorEnv`` of them is :mod:`rlkit.rollout.batched`.
"""

from rlkit.envs.batched.batched_task import BatchedTask
from rlkit.envs.batched.sim_batch import SimBatch

__all__ = ["BatchedTask", "SimBatch"]
