"""Headless backend selection happens before mujoco or pygame are imported, and respects the user's choice."""

from __future__ import annotations

import os
import subprocess
import sys


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MUJOCO_GL", "PYOPENGL_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_headless_machine_gets_an_offscreen_backend_and_quiet_pygame() -> None:
    result = run_python(
        "import rlkit, os, gymnasium as gym\n"
        "env = gym.make('CartPole-v1', render_mode='rgb_array'); env.reset(seed=0)\n"
        "print(os.environ.get('MUJOCO_GL'), os.environ.get('SDL_VIDEODRIVER'), env.render().shape)"
    )
    gl, sdl, shape = result.stdout.split(maxsplit=2)
    assert gl in ("egl", "osmesa") and sdl == "dummy" and shape.strip() == "(400, 600, 3)"
    assert "error" not in result.stderr.lower()


def test_users_choice_is_kept() -> None:
    result = run_python("import rlkit, os; print(os.environ['MUJOCO_GL'])", MUJOCO_GL="osmesa")
    assert result.stdout.strip() == "osmesa"


def test_mujoco_renders_offscreen() -> None:
    result = run_python(
        "import rlkit, gymnasium as gym\n"
        "env = gym.make('HalfCheetah-v5', render_mode='rgb_array', width=64, height=48); env.reset(seed=0)\n"
        "frame = env.render(); print(frame.shape, int(frame.std() > 0))"
    )
    assert result.stdout.strip() == "(48, 64, 3) 1"


def test_no_offscreen_library_is_one_clear_error(monkeypatch) -> None:
    import pytest

    from rlkit import rendering
    from rlkit.errors import RlkitError

    for name in ("MUJOCO_GL", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(rendering.ctypes.util, "find_library", lambda name: None)
    with pytest.raises(RlkitError, match="apt-get install libegl1"):
        rendering.require_gl_backend()
    monkeypatch.setattr(rendering.ctypes.util, "find_library", lambda name: "libEGL.so.1")
    assert rendering.require_gl_backend() == "egl"
