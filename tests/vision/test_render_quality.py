"""Frame size and quality of an env's own render: the shadow map, multisampling and scene flags each quality
level sets, for rlkit's MuJoCo envs and Gymnasium's."""

from __future__ import annotations

import gymnasium as gym
import mujoco
import pytest

import rlkit.envs  # noqa: F401  (registers the rlkit/ ids)
from rlkit.vision.render_quality import QUALITIES, configure_render, configure_scene


@pytest.mark.parametrize("quality", list(QUALITIES))
def test_quality_sets_the_shadow_map_multisampling_and_scene_flags(quality: str) -> None:
    env = gym.make("rlkit/CartPoleBalance-v0", render_mode="rgb_array")
    try:
        env.reset(seed=0)
        configure_render(env, 96, 64, quality)
        assert env.render().shape == (64, 96, 3)
        assert configure_scene(env, quality)
        model = env.unwrapped.model
        # MuJoCo's defaults (the model sets none): a 4096 shadow map and 4x multisampling
        assert (model.vis.quality.shadowsize, model.vis.quality.offsamples) == {
            "low": (4096, 0),
            "medium": (1024, 2),
            "high": (4096, 4),
        }[quality]
        settings = QUALITIES[quality]
        flags = env.unwrapped._renderer.scene.flags
        assert bool(flags[mujoco.mjtRndFlag.mjRND_SHADOW]) == settings.shadows
        assert bool(flags[mujoco.mjtRndFlag.mjRND_REFLECTION]) == settings.reflections
    finally:
        env.close()


def test_shadows_change_the_frame() -> None:
    frames = {}
    for quality in ("low", "medium"):
        env = gym.make("rlkit/CartPoleBalance-v0", render_mode="rgb_array")
        try:
            env.reset(seed=0)
            configure_render(env, 64, 64, quality)
            env.render()
            configure_scene(env, quality)
            frames[quality] = env.render().astype(int)
        finally:
            env.close()
    assert abs(frames["low"] - frames["medium"]).mean() > 1.0


def test_medium_never_raises_what_the_model_asks_for() -> None:
    env = gym.make("rlkit/CartPoleBalance-v0", render_mode="rgb_array")
    try:
        model = env.unwrapped.model
        model.vis.quality.shadowsize, model.vis.quality.offsamples = 512, 1
        configure_render(env, 64, 64, "medium")
        assert (model.vis.quality.shadowsize, model.vis.quality.offsamples) == (512, 1)
    finally:
        env.close()


def test_gymnasium_mujoco_envs_take_the_size_too() -> None:
    env = gym.make("InvertedPendulum-v5", render_mode="rgb_array")
    try:
        env.reset(seed=0)
        configure_render(env, 80, 48, "low")
        assert env.render().shape == (48, 80, 3)
        assert configure_scene(env, "low")
        scene = env.unwrapped.mujoco_renderer._viewers["rgb_array"].scn
        assert not scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW]
    finally:
        env.close()


def test_a_larger_frame_than_the_models_offscreen_buffer_grows_it() -> None:
    env = gym.make("rlkit/CartPoleBalance-v0", render_mode="rgb_array")
    try:
        env.reset(seed=0)
        size = env.unwrapped.model.vis.global_.offwidth + 32
        configure_render(env, size, 48, "low")
        assert env.render().shape == (48, size, 3)
    finally:
        env.close()


def test_no_size_keeps_the_envs_own() -> None:
    env = gym.make("rlkit/CartPoleBalance-v0", render_mode="rgb_array")
    try:
        env.reset(seed=0)
        configure_render(env, None, None, "low")
        assert env.render().shape == (env.unwrapped.height, env.unwrapped.width, 3)
    finally:
        env.close()
