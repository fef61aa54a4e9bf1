"""Video frame size and quality for an env's own ``render()``, for MuJoCo envs of rlkit and Gymnasium.

On a CPU (Mesa's llvmpipe) most of a frame's cost is shadows and multisampling: MuJoCo draws the shadow map
at ``visual/quality/shadowsize`` (4096 unless the model says otherwise) and the scene with ``offsamples``
multisampling (4). ``high`` keeps the model's own look. ``medium`` keeps shadows and reflections with at most
a 1024 shadow map and 2x multisampling, which looks the same at video sizes and renders about twice as fast
there; ``low`` drops shadows, reflections and multisampling (several times faster again, flat-looking).
Measured: ``python benchmarks/video_speed.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import gymnasium as gym
import mujoco

VideoQuality = Literal["low", "medium", "high"]


@dataclass(frozen=True)
class RenderQuality:
    """What a quality level sets: shadows, reflections, and caps on the model's shadow map size and
    multisampling (None keeps the model's value)."""

    shadows: bool
    reflections: bool
    max_shadow_size: int | None
    max_samples: int | None


QUALITIES: dict[str, RenderQuality] = {
    "low": RenderQuality(shadows=False, reflections=False, max_shadow_size=None, max_samples=0),
    "medium": RenderQuality(shadows=True, reflections=True, max_shadow_size=1024, max_samples=2),
    "high": RenderQuality(shadows=True, reflections=True, max_shadow_size=None, max_samples=None),
}


def configure_render(env: gym.Env, width: int | None, height: int | None, quality: VideoQuality) -> None:
    """Set the frame size (None: the env's own) and quality of ``env.render()`` before its first call
    (rlkit's :class:`rlkit.envs.mujoco_env.MujocoEnv` and Gymnasium's MuJoCo envs; others are left as they
    are).

    The model's offscreen buffer grows to the frame size where it is smaller, and its shadow map and
    multisampling are capped as ``quality`` says; shadows and reflections are scene flags, set by
    :func:`configure_scene` once the renderer exists.
    """
    base = env.unwrapped
    model = getattr(base, "model", None)
    if not isinstance(model, mujoco.MjModel):
        return
    settings = QUALITIES[quality]
    if settings.max_shadow_size is not None:
        model.vis.quality.shadowsize = min(model.vis.quality.shadowsize, settings.max_shadow_size)
    if settings.max_samples is not None:
        model.vis.quality.offsamples = min(model.vis.quality.offsamples, settings.max_samples)
    renderer = getattr(base, "mujoco_renderer", None)  # Gymnasium's MuJoCo envs
    target = renderer if renderer is not None else base
    if not (hasattr(target, "width") and hasattr(target, "height")):
        return
    target.width = width or target.width
    target.height = height or target.height
    model.vis.global_.offwidth = max(model.vis.global_.offwidth, target.width)
    model.vis.global_.offheight = max(model.vis.global_.offheight, target.height)


def configure_scene(env: gym.Env, quality: VideoQuality) -> bool:
    """Set shadows and reflections on the scene ``env.render()`` draws (after a first render made it);
    returns whether a scene was found."""
    scene = _scene(env.unwrapped)
    if scene is None:
        return False
    settings = QUALITIES[quality]
    scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = settings.shadows
    scene.flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = settings.reflections
    return True


def _scene(base: Any) -> mujoco.MjvScene | None:
    renderer = getattr(base, "_renderer", None)  # rlkit's MujocoEnv: a mujoco.Renderer
    if isinstance(renderer, mujoco.Renderer):
        return renderer.scene
    viewers = getattr(getattr(base, "mujoco_renderer", None), "_viewers", None) or {}
    viewer = viewers.get("rgb_array")  # Gymnasium's offscreen viewer
    return getattr(viewer, "scn", None)
