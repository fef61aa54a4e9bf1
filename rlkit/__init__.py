"""rlkit: reinforcement learning and sim2real on MuJoCo.

Importing rlkit chooses an offscreen OpenGL backend for MuJoCo (see :mod:`rlkit.rendering`) before anything
imports ``mujoco``, so rendering works on machines with no display.
"""

from rlkit.rendering import choose_gl_backend

choose_gl_backend()

__version__ = "0.1.0"
__all__ = ["__version__"]
