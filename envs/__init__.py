"""Gymnasium environments for rlkit and the function that builds them from the config."""

import rlkit  # noqa: F401  (chooses the offscreen GL backend before mujoco is imported)
from envs.factory import describe_environments, make_env

__all__ = ["describe_environments", "make_env"]
