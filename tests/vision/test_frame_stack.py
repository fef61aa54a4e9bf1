"""FrameStack: oldest-first channel-first stacks, padded at reset, as rlkit's image encoder reads them."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.nn.encoders import ImageEncoder, build_encoder, image_layout
from rlkit.vision import FrameStack


class Counter(gym.Env):
    """Frame ``t`` of an episode is filled with ``t + 10 * episode`` (channel ``c`` adds ``100 * c``)."""

    def __init__(self, shape: tuple[int, ...], channel_axis: int | None) -> None:
        self.shape, self.channel_axis = shape, channel_axis
        self.observation_space = gym.spaces.Box(0, 255, shape, np.uint8)
        self.action_space = gym.spaces.Discrete(2)
        self.episode, self.t = -1, 0

    def _frame(self) -> np.ndarray:
        frame = np.full(self.shape, self.t + 10 * self.episode, dtype=np.uint8)
        if self.channel_axis is not None:
            channel = np.arange(self.shape[self.channel_axis], dtype=np.uint8) * 100
            frame += np.expand_dims(channel, [a for a in range(3) if a != self.channel_axis])
        return frame

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.episode, self.t = self.episode + 1, 0
        return self._frame(), {}

    def step(self, action):
        self.t += 1
        return self._frame(), 0.0, False, False, {}


def frame_values(obs: np.ndarray, k: int) -> list[int]:
    """The counter value of each frame of a stack, oldest first (channel 0 of each)."""
    channels = obs.shape[0] // k
    return [int(obs[i * channels].flat[0]) for i in range(k)]


@pytest.mark.parametrize(
    ("shape", "channel_axis", "frame_shape"),
    [((2, 36, 40), 0, (2, 36, 40)), ((36, 40, 3), 2, (3, 36, 40)), ((36, 40), None, (1, 36, 40))],
    ids=["chw", "hwc", "hw"],
)
def test_stacks_are_channel_first_oldest_first_and_padded_at_reset(
    shape: tuple[int, ...], channel_axis: int | None, frame_shape: tuple[int, ...]
) -> None:
    env = FrameStack(Counter(shape, channel_axis), num_frames=4)
    channels = frame_shape[0]
    assert env.num_frames == 4 and env.frame_shape == frame_shape
    space = env.observation_space
    assert space.shape == (4 * channels, *frame_shape[1:]) and space.dtype == np.uint8

    obs, _ = env.reset(seed=0)
    assert obs.shape == space.shape and obs.dtype == np.uint8 and space.contains(obs)
    assert frame_values(obs, 4) == [0, 0, 0, 0]  # the first frame, four times
    stacks = [obs]
    for _ in range(5):
        stacks.append(env.step(0)[0])
    assert frame_values(stacks[1], 4) == [0, 0, 0, 1]
    assert frame_values(stacks[3], 4) == [0, 1, 2, 3]
    assert frame_values(stacks[5], 4) == [2, 3, 4, 5]
    # Each frame keeps its channels in order, converted to channel-first.
    raw = Counter(shape, channel_axis)
    raw.reset()
    raw.t = 5
    expected = raw._frame() if channel_axis != 2 else raw._frame().transpose(2, 0, 1)
    np.testing.assert_array_equal(stacks[5][-channels:], expected.reshape(frame_shape))
    # Returned stacks are not views of the wrapper's ring: earlier ones are unchanged.
    assert frame_values(stacks[1], 4) == [0, 0, 0, 1]

    obs, _ = env.reset()
    assert frame_values(obs, 4) == [10, 10, 10, 10]  # no frame of the last episode leaks in


@pytest.mark.parametrize(("frame", "k"), [((1, 36, 36), 4), ((36, 36, 3), 4), ((1, 84, 84), 12)])
def test_image_encoder_reads_the_stack_as_channel_first(frame: tuple[int, ...], k: int) -> None:
    env = FrameStack(Counter(frame, None), num_frames=k)
    assert image_layout(env.observation_space.shape) == "chw"
    encoder = build_encoder(env.observation_space, cnn_features_dim=16)
    assert isinstance(encoder, ImageEncoder) and encoder.layout == "chw"
    obs, _ = env.reset(seed=0)
    features = encoder(torch.as_tensor(obs[None]))
    assert features.shape == (1, encoder.output_dim)


def test_rejects_what_is_not_a_uint8_image() -> None:
    vector = gym.make("CartPole-v1")
    with pytest.raises(ValueError, match="uint8 image"):
        FrameStack(vector, 4)
    with pytest.raises(ValueError, match="num_frames"):
        FrameStack(Counter((1, 8, 8), 0), 0)
