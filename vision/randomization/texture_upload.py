"""Copying changed textures from ``model.tex_data`` to every GL context that renders the model.

MuJoCo uploads a model's textures to the GPU once, when a rendering context (``mujoco.MjrContext``) is
made; writing ``model.tex_data`` afterwards changes nothing on screen until ``mujoco.mjr_uploadTexture``
copies the texture again, with that context's OpenGL context current. A model can be drawn by several
contexts at once: the renderer of each :class:`~rlkit.vision.pixels.PixelObservation` on it, and the env's own
renderer behind ``env.render()`` (a ``mujoco.Renderer`` on an rlkit ``MujocoEnv``, Gymnasium's
``MujocoRenderer`` viewers on a Gymnasium MuJoCo env).

Wrappers see only the envs they wrap, so a randomization inside a ``PixelObservation`` cannot find that
wrapper's renderer. Renderers are therefore registered here, per model, by whoever makes them
(:func:`register_renderer`), and :func:`upload_textures` reaches all of them plus the env's own. Contexts
made later need nothing: they upload the textures as they are when made.

``mujoco.Renderer`` keeps its contexts in ``_gl_context`` and ``_mjr_context`` (MuJoCo 3.x and 4.x have no
public accessor); this module is the one place that reads them.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import gymnasium as gym
import mujoco

from rlkit.sim.mujoco_handles import mujoco_model_and_data

_RENDERERS: weakref.WeakKeyDictionary[mujoco.MjModel, weakref.WeakSet[mujoco.Renderer]] = (
    weakref.WeakKeyDictionary()
)


def register_renderer(model: mujoco.MjModel, renderer: mujoco.Renderer) -> None:
    """Have :func:`upload_textures` reach ``renderer`` (held weakly: registering keeps nothing alive)."""
    _RENDERERS.setdefault(model, weakref.WeakSet()).add(renderer)


def unregister_renderer(model: mujoco.MjModel, renderer: mujoco.Renderer) -> None:
    """Forget a renderer (when it is closed)."""
    renderers = _RENDERERS.get(model)
    if renderers is not None:
        renderers.discard(renderer)


def _renderer_contexts(renderer: mujoco.Renderer) -> tuple[Any, mujoco.MjrContext] | None:
    """``(GL context or None, MjrContext)`` of an open ``mujoco.Renderer``; None once it is closed."""
    if not hasattr(renderer, "_mjr_context"):
        raise RuntimeError(
            f"mujoco {mujoco.__version__}: mujoco.Renderer has no _mjr_context, so changed textures cannot "
            "be uploaded to it; rlkit.vision.randomization.texture_upload needs updating for this version"
        )
    mjr_context = renderer._mjr_context
    if mjr_context is None:
        return None
    return getattr(renderer, "_gl_context", None), mjr_context


def _env_contexts(env: gym.Env) -> Iterator[tuple[Any, mujoco.MjrContext]]:
    """The contexts of the env's own renderers, found by type among the unwrapped env's attributes."""
    for value in list(vars(env.unwrapped).values()):
        if isinstance(value, mujoco.Renderer):  # rlkit's MujocoEnv
            contexts = _renderer_contexts(value)
            if contexts is not None:
                yield contexts
        viewers = getattr(value, "_viewers", None)  # Gymnasium's MujocoRenderer: one viewer per mode
        if isinstance(viewers, dict):
            for viewer in viewers.values():
                con = getattr(viewer, "con", None)
                if isinstance(con, mujoco.MjrContext) and hasattr(viewer, "make_context_current"):
                    yield _ViewerContext(viewer), con


class _ViewerContext:
    """A Gymnasium viewer's OpenGL context, made current as ``mujoco.Renderer``'s is."""

    def __init__(self, viewer: Any) -> None:
        self._viewer = viewer

    def make_current(self) -> None:
        self._viewer.make_context_current()


def upload_textures(env: gym.Env, texture_ids: Sequence[int]) -> int:
    """Upload textures of ``env``'s model to every context that renders it.

    The env's own renderers are uploaded to last, so that a Gymnasium viewer (which renders without making
    its context current when it is the only one) finds its context current afterwards.

    Args:
        env: A MuJoCo env (``env.unwrapped.model``), wrapped or not.
        texture_ids: Textures whose ``tex_data`` changed.

    Returns:
        The number of contexts uploaded to.
    """
    if len(texture_ids) == 0:
        return 0
    model, _ = mujoco_model_and_data(env, "upload_textures")
    contexts = [
        contexts
        for renderer in list(_RENDERERS.get(model, ()))
        if (contexts := _renderer_contexts(renderer)) is not None
    ]
    contexts += list(_env_contexts(env))
    uploaded: set[int] = set()
    for gl_context, mjr_context in contexts:
        if id(mjr_context) in uploaded:  # a renderer both registered and owned by the env
            continue
        uploaded.add(id(mjr_context))
        if gl_context is not None:
            gl_context.make_current()
        for texture in texture_ids:
            mujoco.mjr_uploadTexture(model, mjr_context, int(texture))
    return len(uploaded)
