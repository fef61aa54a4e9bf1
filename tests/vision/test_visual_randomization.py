"""VisualRandomization: a new look every episode, drawn from nominal, reproducible, seen by every render."""

from __future__ import annotations

import rlkit

# isort: split
from typing import Any

import gymnasium as gym
import mujoco
import numpy as np
import pytest

import rlkit.envs  # noqa: F401  (registers the rlkit/ ids)
from rlkit.config.vision import PixelsConfig, VisualRandomizationConfig
from rlkit.errors import RlkitError
from rlkit.vision.pixels import PixelObservation
from rlkit.vision.visual_randomization import TEXTURE_CODES, VisualRandomization

CARTPOLE = "rlkit/CartPoleSwingup-v0"
SIZE = 32
PIXELS = PixelsConfig(width=SIZE, height=SIZE, cameras=["side"])

EVERYTHING: dict[str, Any] = {
    "lights": {"position": 0.5, "direction": 0.3, "diffuse": [0.5, 1.5], "tint": 0.2, "headlight": True},
    "geom_colors": {"brightness": [0.6, 1.4], "offset": 0.2, "exclude": "floor"},
    "material_colors": {"offset": 0.3},
    "textures": {"methods": ["checker", "gradient", "noise"]},
    "cameras": {"position": 0.2, "rotation": 0.05, "fovy": 10.0},
}

VISUAL_FIELDS = (
    "light_pos",
    "light_pos0",
    "light_poscom0",
    "light_dir",
    "light_dir0",
    "light_diffuse",
    "light_ambient",
    "light_specular",
    "geom_rgba",
    "mat_rgba",
    "tex_data",
    "cam_pos",
    "cam_pos0",
    "cam_poscom0",
    "cam_quat",
    "cam_mat0",
    "cam_fovy",
)


def look(model: mujoco.MjModel) -> dict[str, np.ndarray]:
    """Copies of every visual field the wrapper may write."""
    fields = {name: getattr(model, name).copy() for name in VISUAL_FIELDS}
    for term in ("diffuse", "ambient", "specular"):
        fields[f"headlight.{term}"] = getattr(model.vis.headlight, term).copy()
    return fields


def assert_same_look(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def randomized(config: dict[str, Any], env_id: str = CARTPOLE, pixels: PixelsConfig = PIXELS) -> gym.Env:
    """Pixels over visual randomization over the task."""
    inner = VisualRandomization(gym.make(env_id), VisualRandomizationConfig.model_validate(config))
    return PixelObservation(inner, pixels)


def nominal_frame(env_id: str = CARTPOLE, pixels: PixelsConfig = PIXELS, seed: int = 0) -> np.ndarray:
    env = PixelObservation(gym.make(env_id), pixels)
    frame = env.reset(seed=seed)[0]
    env.close()
    return frame


def test_the_image_changes_every_episode() -> None:
    env = randomized({key: EVERYTHING[key] for key in ("lights", "geom_colors")})
    frames = [env.reset(seed=0)[0], env.reset()[0], env.reset()[0]]
    nominal = nominal_frame()
    for frame in frames:
        assert np.abs(frame.astype(int) - nominal).mean() > 1
    assert not np.array_equal(frames[1], frames[2])


def test_scale_zero_and_no_groups_leave_the_model_exactly_nominal() -> None:
    env = randomized(EVERYTHING)
    model = env.unwrapped.model
    nominal = look(model)
    nominal_image = nominal_frame()
    env.reset(seed=0)
    env.reset()
    changed = look(model)
    for name in ("geom_rgba", "tex_data", "cam_fovy"):
        assert not np.array_equal(changed[name], nominal[name]), name
    env.get_wrapper_attr("set_visual_randomization_scale")(0.0)
    frame, info = env.reset(seed=0)  # the nominal frame's initial state
    assert_same_look(look(model), nominal)
    # The nominal textures are uploaded back too: the image is the nominal one, pixel for pixel.
    np.testing.assert_array_equal(frame, nominal_image)
    assert set(info["visual_randomization"].values()) <= {0.0, 1.0}  # identity samples

    plain = randomized({})
    plain.reset(seed=0)
    assert_same_look(look(plain.unwrapped.model), look(gym.make(CARTPOLE).unwrapped.model))
    assert plain.reset()[1]["visual_randomization"] == {}


def test_values_are_drawn_from_nominal_every_episode_never_compounded() -> None:
    config = {"cameras": {"fovy": 10.0, "position": 0.1}, "geom_colors": {"offset": 0.1, "names": "cart"}}
    env = VisualRandomization(gym.make(CARTPOLE), VisualRandomizationConfig.model_validate(config))
    model = env.unwrapped.model
    fovy, cart = float(model.cam_fovy[0]), model.geom("cart").id
    colour = model.geom_rgba[cart, :3].copy()
    fovys = []
    for episode in range(300):
        info = env.reset(seed=0 if episode == 0 else None)[1]["visual_randomization"]
        # Each episode's value is nominal plus this episode's sample, whatever the episodes before drew.
        assert model.cam_fovy[0] == pytest.approx(fovy + info["camera/side/fovy"], abs=1e-12)
        offset = [info[f"geom_rgba/cart/offset.{c}"] for c in "rgb"]
        np.testing.assert_allclose(model.geom_rgba[cart, :3], np.clip(colour + offset, 0, 1), atol=1e-12)
        fovys.append(model.cam_fovy[0])
    assert np.mean(fovys) == pytest.approx(fovy, abs=1.0)  # uniform ±10: the mean stays at nominal
    assert np.std(fovys) == pytest.approx(10 / np.sqrt(3), rel=0.2)


def test_same_seed_gives_the_same_values_and_frames() -> None:
    first, second = randomized(EVERYTHING), randomized(EVERYTHING)
    for env in (first, second):
        env.frames, env.infos = [], []  # type: ignore[attr-defined]
        for seed in (5, None, None):
            frame, info = env.reset(seed=seed)
            env.frames.append(frame)  # type: ignore[attr-defined]
            env.infos.append(info["visual_randomization"])  # type: ignore[attr-defined]
    assert first.infos == second.infos  # type: ignore[attr-defined]
    np.testing.assert_array_equal(np.stack(first.frames), np.stack(second.frames))  # type: ignore[attr-defined]
    assert first.infos[0] != first.infos[1]  # type: ignore[attr-defined]
    other = randomized(EVERYTHING)
    assert other.reset(seed=6)[1]["visual_randomization"] != first.infos[0]  # type: ignore[attr-defined]


def test_info_reports_the_samples_at_reset_and_every_step() -> None:
    env = randomized(EVERYTHING)
    _, info = env.reset(seed=0)
    values = info["visual_randomization"]
    assert all(isinstance(value, float) for value in values.values())
    assert 0.5 <= values["light/top/diffuse"] <= 1.5 and 0.5 <= values["headlight/diffuse"] <= 1.5
    assert abs(values["light/top/position.z"]) <= 0.5 and abs(values["camera/side/rotation.y"]) <= 0.05
    assert values["texture/grid"] in {TEXTURE_CODES[m] for m in ("checker", "gradient", "noise")}
    assert "geom_rgba/cart/brightness" in values and "geom_rgba/floor/brightness" not in values  # excluded
    assert "mat_rgba/grid/offset.r" in values
    inner = env.env
    assert inner.sampled_names == list(values)
    np.testing.assert_allclose(inner.sampled_vector(), list(values.values()), rtol=1e-6)
    assert env.step(env.action_space.sample())[4]["visual_randomization"] == values


@pytest.mark.parametrize("method", ["checker", "gradient", "noise", "swap"])
def test_textures_change_the_image(method: str) -> None:
    # HalfCheetah-v5 has three textures (skybox, geom, floor plane), so each can take another's pixels.
    pixels = PixelsConfig(width=SIZE, height=SIZE)
    env = randomized({"textures": {"methods": [method]}}, "HalfCheetah-v5", pixels)
    frame, info = env.reset(seed=0)
    assert set(info["visual_randomization"].values()) == {TEXTURE_CODES[method]}
    assert np.abs(frame.astype(int) - nominal_frame("HalfCheetah-v5", pixels)).mean() > 5


def test_texture_probability_leaves_some_textures_nominal() -> None:
    env = VisualRandomization(
        gym.make("HalfCheetah-v5"),
        VisualRandomizationConfig.model_validate({"textures": {"probability": 0.5}}),
    )
    codes = [list(env.reset(seed=s)[1]["visual_randomization"].values()) for s in range(20)]
    fraction = np.mean(np.array(codes) == TEXTURE_CODES["nominal"])
    assert 0.2 < fraction < 0.8


def test_camera_field_of_view_and_tracking_camera_pose_change_the_image() -> None:
    pixels = PixelsConfig(width=SIZE, height=SIZE)  # HalfCheetah's 'track' camera follows the torso's COM
    nominal = nominal_frame("HalfCheetah-v5", pixels)
    for cameras in ({"fovy": 20.0}, {"position": 0.5}, {"rotation": 0.2}):
        frame = randomized({"cameras": cameras}, "HalfCheetah-v5", pixels).reset(seed=0)[0]
        assert np.abs(frame.astype(int) - nominal).mean() > 2, cameras


def test_pixels_above_or_below_see_the_same_and_env_render_changes_too() -> None:
    config = VisualRandomizationConfig.model_validate(EVERYTHING)
    above = VisualRandomization(PixelObservation(gym.make(CARTPOLE), PIXELS), config)
    below = PixelObservation(VisualRandomization(gym.make(CARTPOLE), config), PIXELS)
    for seed in (1, None):
        np.testing.assert_array_equal(above.reset(seed=seed)[0], below.reset(seed=seed)[0])

    # env.render(): the env's own renderer, made in the first episode, shows the second episode's textures
    # exactly as a renderer made in the second episode does.
    textures = VisualRandomizationConfig.model_validate({"textures": EVERYTHING["textures"]})
    kept, fresh = (
        VisualRandomization(gym.make(CARTPOLE, render_mode="rgb_array", width=SIZE, height=SIZE), textures)
        for _ in range(2)
    )
    kept.reset(seed=1)
    first = kept.render()
    kept.reset()
    fresh.reset(seed=1)
    fresh.reset()
    second = kept.render()
    assert np.abs(second.astype(int) - first).mean() > 2
    np.testing.assert_array_equal(second, fresh.render())


def test_a_selection_that_matches_nothing_lists_the_names() -> None:
    with pytest.raises(
        RlkitError, match=r"geom_colors: names 'wheel' selects no geom \(available: floor, rail"
    ):
        randomized({"geom_colors": {"names": "wheel"}})
    with pytest.raises(RlkitError, match=r"textures: names '\.\*' selects no texture \(available: none\)"):
        randomized({"textures": {}}, "Reacher-v5")
    with pytest.raises(RlkitError, match="'swap' needs two textures"):
        randomized({"textures": {"methods": ["swap"]}})
    with pytest.raises(RlkitError, match="scale must be in"):
        randomized({}).get_wrapper_attr("set_visual_randomization_scale")(1.5)
