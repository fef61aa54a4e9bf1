"""The vision layers as ``make_env`` stacks them from the config: pixels, camera model, frame stack, visual
randomization, and how they sit with the state-based sim2real layers."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from rlkit.config.schema import EnvConfig
from rlkit.envs import make_env
from rlkit.errors import RlkitError
from rlkit.vision.camera import CameraObservation
from rlkit.vision.visual_randomization import VisualRandomization

BALANCE = "rlkit/CartPoleBalance-v0"
PIXELS = {"cameras": ["side"], "width": 32, "height": 32}


def build(**sections: object) -> gym.Env:
    return make_env(EnvConfig.model_validate({"id": BALANCE, **sections}), check=False)


def test_pixels_camera_model_and_frame_stack_make_one_channel_first_observation() -> None:
    env = build(pixels=PIXELS, camera={"noise": {"gaussian_std": 8}}, frame_stack=3)
    assert env.observation_space == gym.spaces.Box(0, 255, (9, 32, 32), np.uint8)
    first, info = env.reset(seed=0)
    assert "camera" in info
    # after a reset every slot holds the first frame, seen through the camera model
    assert np.array_equal(first[0:3], first[6:9])
    second, *_ = env.step(env.action_space.sample())
    assert np.array_equal(second[0:3], first[6:9]) and not np.array_equal(second[6:9], first[6:9])
    # the agent sees noise that the clean render does not have
    camera = next(w for w in _wrappers(env) if isinstance(w, CameraObservation))
    assert not np.array_equal(camera.raw_observation, second[6:9])


def test_pixels_with_the_state_keep_the_sensor_models_on_the_state() -> None:
    env = build(
        pixels={**PIXELS, "mode": "pixels_state"},
        frame_stack=2,
        sensors={"models": [{"channels": ".*", "quantization": 0.5}]},
    )
    assert set(env.observation_space.spaces) == {"pixels", "state"}
    assert env.observation_space["pixels"].shape == (6, 32, 32)
    obs, _ = env.reset(seed=0)
    np.testing.assert_array_equal(obs["state"], np.round(obs["state"] / 0.5) * 0.5)


def test_visual_randomization_changes_what_the_agent_sees_per_episode() -> None:
    plain = build(pixels=PIXELS)
    randomized = build(pixels=PIXELS, visual_randomization={"lights": {"diffuse": [0.2, 1.5]}})
    assert any(isinstance(w, VisualRandomization) for w in _wrappers(randomized))
    a, _ = plain.reset(seed=1)
    b, info = randomized.reset(seed=1)
    assert "visual_randomization" in info and not np.array_equal(a, b)


@pytest.mark.parametrize("section", [{"camera": {"noise": {}}}, {"frame_stack": 4}])
def test_image_layers_without_pixels_say_what_to_set(section) -> None:
    with pytest.raises(RlkitError, match=r"needs pixel observations: set env\.pixels"):
        build(**section)


def _wrappers(env: gym.Env) -> list[gym.Env]:
    found = []
    while isinstance(env, gym.Wrapper):
        found.append(env)
        env = env.env
    return found


def test_the_trainer_sets_the_visual_curriculum_scale_in_every_env(tmp_path) -> None:
    from rlkit.config.loading import load_config
    from rlkit.training.trainer import Trainer

    config = load_config(
        "cartpole-balance-teacher",
        [
            "rollout.num_envs=2",
            "env.visual_randomization={lights: {diffuse: [0.5, 1.5]}, curriculum: {start: 0.2, end: 1.0}}",
        ],
    )
    trainer = Trainer(config, tmp_path / "run")
    assert trainer._follow_curriculum(0.25)["visual_randomization/scale"] == pytest.approx(0.6)
    assert trainer.env.get_attr("visual_randomization_scale") == (pytest.approx(0.6),) * 2
    trainer.env.close()


def test_a_visually_randomized_env_is_not_captured_for_an_exact_resume() -> None:
    from rlkit.envs.env_state import capture_envs
    from rlkit.rollout.vector_env import make_vector_env

    plain = make_vector_env(EnvConfig.model_validate({"id": BALANCE}), 2)
    lights = {"lights": {"diffuse": [0.5, 1.5]}}
    looks = make_vector_env(EnvConfig.model_validate({"id": BALANCE, "visual_randomization": lights}), 2)
    plain.reset(seed=0)
    looks.reset(seed=0)
    assert capture_envs(plain) is not None and capture_envs(looks) is None  # resumed with fresh episodes
    plain.close()
    looks.close()
