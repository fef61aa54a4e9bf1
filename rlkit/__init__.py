"""rlkit: reinforcement learning and sim2real on MuJoCo.

``rlkit.train(config, *overrides)`` trains a run and ``rlkit.load(run_dir)`` returns its policy
(:mod:`rlkit.api`). Importing rlkit chooses an offscreen OpenGL backend for MuJoCo and a headless SDL driver
for pygame (see :mod:`rlkit.rendering`) before anything imports either, so rendering works on machines with
no display.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rlkit.rendering import choose_gl_backend, choose_sdl_driver

if TYPE_CHECKING:
    from rlkit.api import LoadedPolicy, Run, load, train

choose_gl_backend()
choose_sdl_driver()

__version__ = "0.1.0"
__all__ = ["LoadedPolicy", "Run", "__version__", "load", "train"]

_API = frozenset({"LoadedPolicy", "Run", "load", "train"})


def __getattr__(name: str) -> Any:
    # The API imports torch, MuJoCo and every layer (seconds); importing it on first use keeps
    # `import rlkit.<module>` light for the command line's start-up and for rollout worker processes.
    if name in _API:
        from rlkit import api

        return getattr(api, name)
    raise AttributeError(f"module 'rlkit' has no attribute '{name}'")
