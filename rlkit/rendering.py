"""Choose an offscreen OpenGL backend for MuJoCo before MuJoCo is imported.

MuJoCo reads ``MUJOCO_GL`` once, when ``mujoco`` is first imported; with it unset on a machine that has no
display, every render call fails. rlkit therefore picks a backend as the first thing it does on import:
the user's choice when ``MUJOCO_GL`` is set, GLFW when a display is present, otherwise EGL and then OSMesa,
whichever has its library installed. PyOpenGL (used by MuJoCo's EGL and OSMesa contexts) is pointed at the
same platform through ``PYOPENGL_PLATFORM``.
"""

from __future__ import annotations

import ctypes.util
import os

from rlkit.errors import RlkitError

#: Headless backends in order of preference, with the shared library each one needs.
HEADLESS_BACKENDS: tuple[tuple[str, str], ...] = (("egl", "EGL"), ("osmesa", "OSMesa"))

INSTALL_HINT = (
    "install an offscreen OpenGL library (Debian/Ubuntu: 'apt-get install libegl1 libgl1-mesa-dri' for EGL, "
    "or 'apt-get install libosmesa6' for OSMesa) or set MUJOCO_GL to a backend that works here"
)


def choose_gl_backend() -> str | None:
    """Set ``MUJOCO_GL`` (and ``PYOPENGL_PLATFORM``) to a working backend unless the user already chose one.

    Returns:
        The backend in effect, or None when no headless library was found (rendering will then fail with
        :func:`require_gl_backend`'s message).
    """
    chosen = os.environ.get("MUJOCO_GL")
    if chosen:
        return chosen
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None  # MuJoCo's default (GLFW) works with a display.
    for backend, library in HEADLESS_BACKENDS:
        if ctypes.util.find_library(library):
            os.environ["MUJOCO_GL"] = backend
            os.environ.setdefault("PYOPENGL_PLATFORM", backend)
            return backend
    return None


def choose_sdl_driver() -> None:
    """Use SDL's dummy video driver on a machine with no display.

    Gymnasium's classic-control envs render ``rgb_array`` frames through pygame, whose SDL otherwise probes
    for a display on first use and prints an error line about it (the frames come out right either way).
    """
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


def require_gl_backend() -> str:
    """Return the backend in effect, or raise one clear error naming what to install."""
    backend = choose_gl_backend()
    if backend is None and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise RlkitError(f"no offscreen OpenGL backend found for MuJoCo rendering: {INSTALL_HINT}")
    return backend or "glfw"
