"""Gymnasium environments for rlkit: the MuJoCo task base class, shipped tasks, sim2real layers, and the
function that builds them from the config."""

from rlkit.envs.factory import describe_environments, make_env
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.tasks import register_tasks

register_tasks()

__all__ = ["MujocoEnv", "describe_environments", "make_env", "register_tasks"]
