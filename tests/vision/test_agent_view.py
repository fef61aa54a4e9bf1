"""The agent's view in evaluation videos: the clean render beside what a pixel policy observed."""

from __future__ import annotations

import imageio.v2 as imageio
import numpy as np
import pytest

from rlkit.config.schema import EnvConfig
from rlkit.envs import make_env
from rlkit.errors import RlkitError
from rlkit.evaluate.video import AgentView, record_video

PIXEL_ENV = EnvConfig.model_validate(
    {
        "id": "rlkit/CartPoleBalance-v0",
        "max_episode_steps": 5,
        "pixels": {"cameras": ["close", "side"], "width": 16, "height": 16},
        "camera": {"noise": {"gaussian_std": 20}},
        "frame_stack": 3,
        "kwargs": {"width": 64, "height": 64},
    }
)


def test_agent_view_is_the_newest_frame_of_the_first_camera_scaled_up() -> None:
    env = make_env(PIXEL_ENV)
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step(env.action_space.sample())
    view = AgentView(env)(obs, 64)
    assert view.shape == (64, 64, 3) and view.dtype == np.uint8
    assert obs.shape == (18, 16, 16)  # 3 frames of 2 cameras of 3 channels
    newest_first_camera = obs[12:15].transpose(1, 2, 0)
    np.testing.assert_array_equal(view[::4, ::4], newest_first_camera)


def test_video_shows_render_and_agent_view_side_by_side(tmp_path) -> None:
    def random_policy(obs, starts):
        return np.zeros((len(obs), 1), np.float32)

    path = tmp_path / "video.mp4"
    record_video(random_policy, PIXEL_ENV, 1, 0, path, fps=10, agent_view=True)
    frame = imageio.get_reader(path).get_data(0)
    assert frame.shape == (64, 128, 3)  # the 64x64 render, then the 64x64 agent's view


def test_agent_view_needs_pixels(tmp_path) -> None:
    with pytest.raises(RlkitError, match="needs a policy that observes pixels"):
        record_video(lambda o, s: o, EnvConfig(id="CartPole-v1"), 1, 0, tmp_path / "v.mp4", agent_view=True)
