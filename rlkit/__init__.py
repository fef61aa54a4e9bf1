"""rlkit: reinforcement learning and sim2real on MuJoCo.

Importing rlkit chooses an offscreen OpenGL backend for MuJoCo and a headless SDL driver for pygame (see
:mod:`rlkit.rendering`) before anything imports either, so rendering works on machines with no display.
"""

from rlkit.rendering import choose_gl_backend, choose_sdl_driver

choose_gl_backend()
choose_sdl_driver()

__version__ = "0.1.0"
__all__ = ["__version__"]
