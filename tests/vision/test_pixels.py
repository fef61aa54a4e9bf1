"""PixelObservation: channel-first uint8 camera images, rendered by one reused renderer without shadows."""

from __future__ import annotations

import rlkit

# isort: split
import gymnasium as gym
import mujoco
import numpy as np
import pytest

import rlkit.envs  # noqa: F401  (registers the rlkit/ ids)
from rlkit.config.vision import PixelsConfig
from rlkit.errors import RlkitError
from rlkit.vision.pixels import PixelObservation

CARTPOLE = "rlkit/CartPoleSwingup-v0"
SIZE = 32


def pixels(env_id: str = CARTPOLE, **config: object) -> PixelObservation:
    options = {"width": SIZE, "height": SIZE, "cameras": ["side"] if env_id == CARTPOLE else [], **config}
    return PixelObservation(gym.make(env_id), PixelsConfig.model_validate(options))


def test_one_camera_is_a_channel_first_uint8_box() -> None:
    env = pixels()
    observation, _ = env.reset(seed=0)
    assert env.observation_space == gym.spaces.Box(0, 255, (3, SIZE, SIZE), np.uint8)
    assert observation.shape == (3, SIZE, SIZE) and observation.dtype == np.uint8
    assert env.observation_space.contains(observation)
    assert observation.std() > 0  # an image, not a blank buffer
    env.close()


def test_two_cameras_stack_along_channels_in_order() -> None:
    both, side = pixels(cameras=["side", "free"]), pixels(cameras=["side"])
    stacked, _ = both.reset(seed=3)
    alone, _ = side.reset(seed=3)
    assert both.observation_space.shape == (6, SIZE, SIZE) and stacked.shape == (6, SIZE, SIZE)
    assert both.camera_names == ["side", "free"] and both.camera_ids == [0, -1]
    np.testing.assert_array_equal(stacked[:3], alone)
    assert not np.array_equal(stacked[3:], alone)  # the free camera sees another view
    both.close()
    side.close()


def test_pixels_state_mode_is_a_dict_with_the_env_observation() -> None:
    env = pixels(mode="pixels_state")
    plain = gym.make(CARTPOLE)
    observation, _ = env.reset(seed=1)
    state, _ = plain.reset(seed=1)
    assert isinstance(env.observation_space, gym.spaces.Dict)
    assert set(observation) == {"pixels", "state"}
    assert env.observation_space["state"] == plain.observation_space
    np.testing.assert_array_equal(observation["state"], state)
    assert env.observation_space.contains(observation)
    env.close()


def test_depth_as_a_uint8_channel_matches_the_metric_depth() -> None:
    channel = pixels(depth="uint8", depth_range=(1.0, 11.0))
    metric = pixels(depth="float32")
    encoded, _ = channel.reset(seed=0)
    observation, _ = metric.reset(seed=0)
    assert encoded.shape == (4, SIZE, SIZE)
    np.testing.assert_array_equal(encoded[:3], observation["pixels"])
    depth = observation["depth"]
    assert metric.observation_space["depth"].shape == (1, SIZE, SIZE) and depth.dtype == np.float32
    assert 0 < depth.min() < 10  # the floor and the cart are a few metres from the side camera
    expected = np.clip(np.rint((depth[0] - 1.0) * 25.5), 0, 255)  # linear over [1 m, 11 m]
    assert np.abs(encoded[3].astype(int) - expected).max() <= 1


def test_segmentation_labels_geoms() -> None:
    channel = pixels(segmentation="uint8")
    ids = pixels(segmentation="int32")
    labels, _ = channel.reset(seed=0)
    observation, _ = ids.reset(seed=0)
    model = channel.unwrapped.model
    cart = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, "cart")
    segmentation = observation["segmentation"][0]
    assert labels.shape == (4, SIZE, SIZE) and segmentation.dtype == np.int32
    assert cart in segmentation and set(np.unique(segmentation)) <= set(range(-1, model.ngeom))
    np.testing.assert_array_equal(labels[3], segmentation + 1)  # uint8: geom id + 1, 0 for none


def test_the_renderer_is_made_once_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[mujoco.Renderer] = []

    class CountingRenderer(mujoco.Renderer):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(mujoco, "Renderer", CountingRenderer)
    env = pixels(cameras=["side", "free"], depth="uint8")
    assert made == []  # made at the first observation, not when the env is built
    env.reset(seed=0)
    for _ in range(5):
        env.step(env.action_space.sample())
    env.reset()
    assert len(made) == 1 and env.renderer is made[0]
    env.close()
    assert env.renderer is None


def test_shadows_and_reflections_are_off_by_default() -> None:
    plain, lit = pixels(), pixels(shadows=True, reflections=True)
    plain.reset(seed=0)
    lit.reset(seed=0)
    flags = mujoco.mjtRndFlag
    assert plain.renderer.scene.flags[flags.mjRND_SHADOW] == 0
    assert plain.renderer.scene.flags[flags.mjRND_REFLECTION] == 0
    assert lit.renderer.scene.flags[flags.mjRND_SHADOW] == 1
    assert lit.renderer.scene.flags[flags.mjRND_REFLECTION] == 1


def test_same_seed_gives_the_same_frames() -> None:
    first, second = pixels(cameras=["side", "free"]), pixels(cameras=["side", "free"])
    actions = np.random.default_rng(0).uniform(-1, 1, (10, 1)).astype(np.float32)
    frames = []
    for env in (first, second):
        observation, _ = env.reset(seed=7)
        episode = [observation]
        for action in actions:
            episode.append(env.step(action)[0])
        frames.append(np.stack(episode))
    np.testing.assert_array_equal(frames[0], frames[1])


def test_the_observation_follows_the_robot_and_is_a_fresh_array() -> None:
    env = pixels()
    first, _ = env.reset(seed=0)
    kept = first.copy()
    for _ in range(20):
        moved = env.step(np.ones(1, np.float32))[0]
    assert not np.array_equal(first, moved)  # the cart moved
    np.testing.assert_array_equal(first, kept)  # a later step does not write into a returned observation


def test_an_unknown_camera_names_itself_and_the_valid_ones() -> None:
    with pytest.raises(RlkitError, match=r"camera 'nope' is not in the model \(valid: side, close, free"):
        pixels(cameras=["nope"])
    with pytest.raises(RlkitError, match="camera id 5"):
        pixels(cameras=[5])


def test_default_camera_shows_the_robot() -> None:
    assert pixels(cameras=[]).camera_names == ["side"]  # the task's render camera
    assert pixels("HalfCheetah-v5").camera_names == ["track"]  # Gymnasium's robot-following camera
    assert pixels("Reacher-v5").camera_names == ["free"]  # no camera in the model


def test_a_non_mujoco_env_is_refused() -> None:
    with pytest.raises(RlkitError, match="needs a MuJoCo env"):
        PixelObservation(gym.make("CartPole-v1"), PixelsConfig())
