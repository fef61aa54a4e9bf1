"""Rollouts: vector envs on the ``sync``, ``subprocess`` and ``ray`` backends (:func:`make_vector_env`)."""

from rlkit.rollout.vector_env import make_vector_env

__all__ = ["make_vector_env"]
