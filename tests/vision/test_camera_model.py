"""The camera model: each transform changes images as declared, streams are reproducible and independent,
the pipeline's fused tables match the transforms applied one by one, and the wrapper fits any image layout."""

from __future__ import annotations

import cv2
import gymnasium as gym
import numpy as np
import pytest
from pydantic import ValidationError

from rlkit.config.camera import CameraModelConfig
from rlkit.vision.camera import (
    PHYSICAL_ORDER,
    CameraModel,
    CameraObservation,
    ColorJitter,
    DefocusBlur,
    Exposure,
    Grayscale,
    JpegCompression,
    MotionBlur,
    RandomShift,
    Resize,
    SensorNoise,
    Vignette,
    WhiteBalance,
)


def scene(height: int = 96, width: int = 96, seed: int = 0) -> np.ndarray:
    """A render-like RGB image: a smooth gradient, a few flat shapes and fine texture, in 40..215."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.stack([60 + 80 * x / width, 60 + 80 * y / height, 100 + 40 * (x + y) / (width + height)], -1)
    cv2.rectangle(image, (width // 8, height // 8), (width // 3, height // 2), (190, 70, 60), -1)
    cv2.circle(image, (2 * width // 3, 2 * height // 3), min(height, width) // 6, (50, 160, 200), -1)
    image += np.random.default_rng(seed).uniform(-15, 15, image.shape)
    return np.clip(image, 40, 215).astype(np.uint8)


def laplacian_variance(image: np.ndarray) -> float:
    return float(cv2.Laplacian(image.astype(np.float32), cv2.CV_32F).var())


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


def everything(**overrides: dict) -> CameraModelConfig:
    """Every transform on with its default ranges (JPEG off unless asked: it is slow and hides details)."""
    sections: dict = {key: {} for key, _, _ in PHYSICAL_ORDER if key not in ("jpeg", "resize")}
    sections.update(overrides)
    return CameraModelConfig.model_validate(sections)


def reset(transform, seed: int = 0):
    transform.reset(seed)
    return transform


# ------------------------------------------------------------------------------------------------------
# Each transform does what it says
# ------------------------------------------------------------------------------------------------------


def test_brightness_shifts_the_mean_by_its_amount() -> None:
    image = scene()
    out = reset(Exposure(brightness=25, contrast=1, gamma=1))(image)
    assert out.mean() - image.mean() == pytest.approx(25, abs=0.01)


def test_contrast_scales_deviations_about_the_mean() -> None:
    image = scene()
    out = reset(Exposure(brightness=0, contrast=1.4, gamma=1))(image).astype(np.float64)
    assert out.std() / image.std() == pytest.approx(1.4, rel=0.02)
    assert out.mean() == pytest.approx(image.mean(), abs=0.6)


def test_gamma_below_one_brightens_midtones_and_keeps_black_and_white() -> None:
    image = np.array([[[0, 64, 128], [192, 255, 128]]], np.uint8)
    out = reset(Exposure(brightness=0, contrast=1, gamma=0.5))(image)
    assert out[0, 0, 0] == 0 and out[0, 1, 1] == 255
    assert out[0, 0, 2] == round(255 * (128 / 255) ** 0.5) and out[0, 0, 1] > 64


def test_gaussian_noise_has_the_configured_std() -> None:
    image = np.full((200, 200, 3), 128, np.uint8)
    out = reset(SensorNoise(gaussian_std=8.0))(image).astype(np.float64)
    assert out.std() == pytest.approx(8.0, rel=0.03)
    assert out.mean() == pytest.approx(128, abs=0.1)


def test_shot_noise_variance_grows_with_intensity() -> None:
    image = np.zeros((200, 200, 3), np.uint8)
    image[:, :100], image[:, 100:] = 40, 200
    out = reset(SensorNoise(gaussian_std=0.0, photons_per_unit=0.5))(image).astype(np.float64)
    dark, bright = out[:, :100].var(), out[:, 100:].var()
    # Poisson: variance = intensity / photons_per_unit.
    assert dark == pytest.approx(40 / 0.5, rel=0.1) and bright == pytest.approx(200 / 0.5, rel=0.1)


@pytest.mark.parametrize(
    "blur", [DefocusBlur(radius=2.0), MotionBlur(length=9, angle=30)], ids=["defocus", "motion"]
)
def test_blur_removes_high_frequencies(blur) -> None:
    image = scene()
    assert laplacian_variance(reset(blur)(image)) < 0.3 * laplacian_variance(image)


@pytest.mark.parametrize("angle", [0.0, 90.0])
def test_motion_blur_blurs_along_its_angle_more_than_across(angle: float) -> None:
    image = scene()
    out = reset(MotionBlur(length=9, angle=angle))(image).astype(np.float32)
    horizontal = (
        np.abs(np.diff(out, axis=1)).mean() / np.abs(np.diff(image.astype(np.float32), axis=1)).mean()
    )
    vertical = np.abs(np.diff(out, axis=0)).mean() / np.abs(np.diff(image.astype(np.float32), axis=0)).mean()
    along, across = (horizontal, vertical) if angle == 0 else (vertical, horizontal)
    assert along < 0.5 * across


def test_jpeg_quality_raises_fidelity_monotonically() -> None:
    image = scene()
    psnrs = [psnr(reset(JpegCompression(quality=q))(image), image) for q in (10, 30, 60, 90)]
    assert psnrs == sorted(psnrs) and psnrs[0] + 3 < psnrs[-1]


def test_vignette_darkens_corners_and_keeps_the_centre() -> None:
    image = np.full((81, 81, 3), 200, np.uint8)
    out = reset(Vignette(strength=0.4))(image)
    assert out[40, 40].tolist() == [200, 200, 200]
    # The corner pixel centres lie just inside the corners: r² slightly below 1.
    assert out[0, 0, 0] == pytest.approx(200 * 0.6, abs=3) and out[80, 80, 0] == out[0, 0, 0]


def test_white_balance_scales_each_channel_mean_by_its_gain() -> None:
    image = scene()
    out = reset(WhiteBalance(red=1.1, green=1.0, blue=0.8))(image).astype(np.float64)
    ratios = out.mean(axis=(0, 1)) / image.mean(axis=(0, 1))
    np.testing.assert_allclose(ratios, [1.1, 1.0, 0.8], rtol=0.005)


def test_hue_shift_rotates_hue_and_keeps_value() -> None:
    image = np.zeros((8, 8, 3), np.uint8)
    image[:] = (200, 60, 40)  # a saturated red-orange
    out = reset(ColorJitter(hue_shift=90, saturation=1, value=1))(image)
    before, after = (cv2.cvtColor(i, cv2.COLOR_RGB2HSV_FULL)[0, 0].astype(int) for i in (image, out))
    assert (after[0] - before[0]) % 256 == pytest.approx(64, abs=2)  # 90° of 256 steps per turn
    assert abs(after[2] - before[2]) <= 2


def test_random_shift_is_a_translated_copy_of_the_padded_image() -> None:
    image = scene(40, 50)
    shift = reset(RandomShift(pad=4))
    padded = np.pad(image, ((4, 4), (4, 4), (0, 0)), mode="edge")
    shifts = set()
    for _ in range(10):
        out = shift(image)
        dx, dy = int(shift.parameters["dx"]), int(shift.parameters["dy"])
        shifts.add((dx, dy))
        np.testing.assert_array_equal(out, padded[4 + dy : 4 + dy + 40, 4 + dx : 4 + dx + 50])
    assert len(shifts) > 1


def test_grayscale_gives_equal_channels_or_one_channel() -> None:
    image = scene()
    out = reset(Grayscale(channels=3))(image)
    assert (
        out.shape == image.shape and (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()
    )
    assert reset(Grayscale(channels=1))(image).shape == (96, 96, 1)


@pytest.mark.parametrize("interpolation", ["area", "linear", "cubic", "nearest"])
def test_resize_gives_the_target_shape(interpolation: str) -> None:
    out = reset(Resize(height=30, width=40, interpolation=interpolation))(scene())
    assert out.shape == (30, 40, 3) and out.dtype == np.uint8


@pytest.mark.parametrize("key", [key for key, _, _ in PHYSICAL_ORDER])
@pytest.mark.parametrize("layout", ["rgb", "grey", "grey2d"])
def test_each_transform_returns_a_new_image_and_leaves_its_input_unchanged(key: str, layout: str) -> None:
    image = {"rgb": scene(), "grey": scene()[..., :1].copy(), "grey2d": scene()[..., 0].copy()}[layout]
    copy = image.copy()
    transform = reset(dict((k, cls) for k, _, cls in PHYSICAL_ORDER)[key]())
    out = transform(image)
    np.testing.assert_array_equal(image, copy)
    assert out.dtype == np.uint8 and not np.shares_memory(out, image)
    assert out.shape == transform.output_shape(image.shape)


def test_the_model_keeps_grayscale_layouts() -> None:
    model = CameraModel.from_config(everything(jpeg={}, resize={"height": 64, "width": 64}, grayscale=None))
    model.reset(seed=0)
    image = scene()
    out = model(image)
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    grey = image[..., :1].copy()
    assert model(grey).shape == (64, 64, 1) and model(grey[..., 0]).shape == (64, 64)


def test_fused_tables_match_the_transforms_applied_one_by_one() -> None:
    config = CameraModelConfig(white_balance={}, exposure={"per": "frame"})
    fused, separate = CameraModel.from_config(config), CameraModel.from_config(config, fuse=False)
    fused.reset(seed=3)
    separate.reset(seed=3)
    for _ in range(3):
        image = scene(seed=_)
        np.testing.assert_array_equal(fused(image), separate(image))


# ------------------------------------------------------------------------------------------------------
# Seeding
# ------------------------------------------------------------------------------------------------------


def run(model: CameraModel, seed: int | None, frames: int = 3) -> list[np.ndarray]:
    model.reset(seed)
    return [model(scene(seed=i)) for i in range(frames)]


def test_same_seed_gives_identical_frames_over_episodes_and_other_seeds_differ() -> None:
    config = everything(jpeg={})
    a, b = CameraModel.from_config(config), CameraModel.from_config(config)
    first = run(a, 7) + run(a, None) + run(a, 8)
    second = run(b, 7) + run(b, None) + run(b, 8)
    for x, y in zip(first, second, strict=True):
        np.testing.assert_array_equal(x, y)
    other = run(CameraModel.from_config(config), 9)
    assert not np.array_equal(first[0], other[0])


def test_per_episode_parameters_hold_within_an_episode_and_change_across_resets() -> None:
    model = CameraModel.from_config(everything())
    model.reset(seed=0)
    parameters = model.parameters
    assert "exposure/gamma" in parameters and "noise/gaussian_std" not in parameters  # noise is per frame
    for i in range(3):
        model(scene(seed=i))
        assert model.parameters == parameters
    model.reset(seed=None)
    changed = model.parameters
    assert all(
        changed[k] != parameters[k] for k in ("exposure/gamma", "motion_blur/angle", "vignette/strength")
    )


def test_per_frame_noise_differs_from_frame_to_frame() -> None:
    model = CameraModel.from_config(CameraModelConfig(noise={"gaussian_std": 5, "per": "episode"}))
    model.reset(seed=0)
    image = scene()
    assert not np.array_equal(model(image), model(image))


def test_switching_a_transform_on_leaves_the_others_draws_unchanged() -> None:
    # A vignette of strength 0 changes no pixel but draws from its own stream: the noise must not notice.
    noise = {"gaussian_std": [2, 6]}
    plain = run(CameraModel.from_config(CameraModelConfig(noise=noise)), 5)
    with_vignette = run(CameraModel.from_config(CameraModelConfig(noise=noise, vignette={"strength": 0})), 5)
    for x, y in zip(plain, with_vignette, strict=True):
        np.testing.assert_array_equal(x, y)
    alone = CameraModel.from_config(CameraModelConfig(exposure={}))
    alone.reset(seed=5)
    crowded = CameraModel.from_config(everything())
    crowded.reset(seed=5)
    exposure = {k: v for k, v in crowded.parameters.items() if k.startswith("exposure/")}
    assert exposure == alone.parameters


# ------------------------------------------------------------------------------------------------------
# Config
# ------------------------------------------------------------------------------------------------------


def test_config_errors_name_the_key_and_numbers_are_ranges_of_one_point() -> None:
    with pytest.raises(ValidationError, match=r"exposure\.gamma"):
        CameraModelConfig.model_validate({"exposure": {"gamma": [2, 1]}})
    with pytest.raises(ValidationError, match=r"noise\.gaussian_std"):
        CameraModelConfig.model_validate({"noise": {"gaussian_std": -1}})
    with pytest.raises(ValidationError, match=r"vignette\.radius"):
        CameraModelConfig.model_validate({"vignette": {"radius": 1}})
    assert CameraModelConfig.model_validate({"exposure": {"gamma": 0.9}}).exposure.gamma == (0.9, 0.9)
    assert [key for key, _, _ in PHYSICAL_ORDER] == list(CameraModelConfig.model_fields)


# ------------------------------------------------------------------------------------------------------
# The wrapper
# ------------------------------------------------------------------------------------------------------


class Images(gym.Env):
    """Observes fixed images: the whole observation, or the entry "pixels" of a Dict next to a vector."""

    def __init__(self, image: np.ndarray, dict_key: str | None = None) -> None:
        self.image, self.dict_key = image, dict_key
        box = gym.spaces.Box(0, 255, image.shape, np.uint8)
        if dict_key is None:
            self.observation_space = box
        else:
            vector = gym.spaces.Box(-1, 1, (2,), np.float32)
            self.observation_space = gym.spaces.Dict({dict_key: box, "state": vector})
        self.action_space = gym.spaces.Discrete(2)

    def _obs(self):
        if self.dict_key is None:
            return self.image.copy()
        return {self.dict_key: self.image.copy(), "state": np.zeros(2, np.float32)}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self._obs(), {}

    def step(self, action):
        return self._obs(), 0.0, False, False, {}


def test_wrapper_updates_the_space_and_reports_parameters_at_reset() -> None:
    config = CameraModelConfig(
        resize={"height": 32, "width": 40}, grayscale={"channels": 1}, exposure={}, noise={"per": "episode"}
    )
    env = CameraObservation(Images(scene()), config)
    assert env.observation_space.shape == (32, 40, 1)
    obs, info = env.reset(seed=0)
    assert obs.shape == (32, 40, 1) and env.observation_space.contains(obs)
    assert set(info["camera"]) >= {"exposure/gamma", "noise/gaussian_std"}
    assert all(isinstance(v, float) for v in info["camera"].values())
    np.testing.assert_array_equal(env.raw_observation, scene())
    again = CameraObservation(Images(scene()), config)
    np.testing.assert_array_equal(again.reset(seed=0)[0], obs)
    np.testing.assert_array_equal(again.step(0)[0], env.step(0)[0])


def test_wrapper_sees_one_key_of_a_dict_observation() -> None:
    env = CameraObservation(
        Images(scene(), "pixels"), CameraModelConfig(resize={"height": 20, "width": 20}), "pixels"
    )
    assert env.observation_space["pixels"].shape == (20, 20, 3)
    assert env.observation_space["state"] == env.env.observation_space["state"]
    obs, _ = env.reset(seed=0)
    assert obs["pixels"].shape == (20, 20, 3) and obs["state"].shape == (2,)
    with pytest.raises(ValueError, match="'rgb' is not in the observation"):
        CameraObservation(Images(scene(), "pixels"), CameraModelConfig(), "rgb")


def test_wrapper_treats_each_camera_of_a_channel_first_stack_independently() -> None:
    image = scene(48, 48)
    stack = np.concatenate([image.transpose(2, 0, 1)] * 2)  # two cameras seeing the same thing
    config = CameraModelConfig(noise={"gaussian_std": 6}, grayscale={"channels": 1})
    env = CameraObservation(Images(stack), config)
    assert env.observation_space.shape == (2, 48, 48) and len(env.models) == 2
    obs, _ = env.reset(seed=0)
    assert obs.shape == (2, 48, 48)
    assert not np.array_equal(obs[0], obs[1])  # independent noise per camera
    # Each camera is the model applied to its own image, channel-last and back.
    model = CameraModel.from_config(config, name="camera/1")
    model.reset(seed=0)
    np.testing.assert_array_equal(obs[1], model(image)[..., 0])
    rgb = CameraObservation(Images(stack), CameraModelConfig(exposure={}))
    assert rgb.observation_space.shape == (6, 48, 48)
    assert set(rgb.reset(seed=0)[1]["camera"]) >= {"camera0/exposure/gamma", "camera1/exposure/gamma"}
