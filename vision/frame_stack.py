"""Stacking the last few image observations into one channel-first observation."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["FrameStack"]


def _frame_layout(shape: tuple[int, ...]) -> str:
    """``"hw"``, ``"hwc"`` or ``"chw"``, decided as :func:`rlkit.nn.encoders.image_layout` does.

    Repeated here (three lines) so that this module needs neither torch nor rlkit.nn.
    """
    if len(shape) == 2:
        return "hw"
    if len(shape) != 3:
        raise ValueError(f"FrameStack needs images shaped (C, H, W), (H, W, C) or (H, W), got {shape}")
    if shape[-1] in (1, 3, 4) and shape[0] not in (1, 3, 4):
        return "hwc"
    return "chw"


class FrameStack(gym.ObservationWrapper):
    """Observes the last ``num_frames`` images of ``env`` at once, channel-first and oldest frame first.

    ``env``'s frames are ``uint8`` Boxes shaped ``(C, H, W)``, ``(H, W, C)`` or ``(H, W)`` (one channel);
    observations are ``(num_frames * C, H, W)`` ``uint8``, frame ``i`` in channels ``[i*C, (i+1)*C)``, which
    :class:`rlkit.nn.encoders.ImageEncoder` reads as channel-first. After a reset every slot holds the first
    frame. Frames live in a preallocated ring; a step writes one frame into it and copies the ring, in
    order, into the observation it returns (a fresh array, so callers may keep it: a vector env's
    ``final_obs`` outlives the next reset).

    Args:
        env: The env to wrap.
        num_frames: Frames per observation (``k``).
        key: For a Dict observation, the key of the image to stack (the other keys pass unchanged).

    Attributes:
        num_frames: ``k``.
        frame_shape: One frame as stored, channel-first ``(C, H, W)``; observations are ``k`` of them
            concatenated along the first axis (what a frame-sharing replay buffer splits them by).
    """

    def __init__(self, env: gym.Env, num_frames: int, key: str | None = None) -> None:
        super().__init__(env)
        self.key = key
        space = env.observation_space
        dict_spaces: dict[str, gym.Space[Any]] = {}  # a Dict observation's entries
        if key is not None:
            if not isinstance(space, gym.spaces.Dict) or key not in space.spaces:
                raise ValueError(f"FrameStack: the observation has no key '{key}' to stack ({space})")
            dict_spaces = dict(space.spaces)
            space = space[key]
        if not isinstance(space, gym.spaces.Box) or space.dtype != np.uint8:
            raise ValueError(f"FrameStack needs a uint8 image Box observation space, got {space}")
        if num_frames < 1:
            raise ValueError(f"FrameStack needs num_frames >= 1, got {num_frames}")
        self._layout = _frame_layout(space.shape)
        self.num_frames = num_frames
        self.frame_shape: tuple[int, int, int] = self._to_chw(np.zeros(space.shape, np.uint8)).shape
        channels = self.frame_shape[0]
        stacked_space = gym.spaces.Box(
            low=np.tile(self._to_chw(np.broadcast_to(space.low, space.shape)), (num_frames, 1, 1)),
            high=np.tile(self._to_chw(np.broadcast_to(space.high, space.shape)), (num_frames, 1, 1)),
            dtype=np.uint8,
        )
        self._stack_shape = stacked_space.shape
        if key is None:
            self.observation_space = stacked_space
        else:
            self.observation_space = gym.spaces.Dict({**dict_spaces, key: stacked_space})
        self._ring = np.zeros((num_frames, *self.frame_shape), dtype=np.uint8)
        # Ring slot of the oldest frame; the newest is the slot before it.
        self._oldest = 0
        self._channels = channels

    def _to_chw(self, frame: np.ndarray) -> np.ndarray:
        """A view of ``frame`` in channel-first layout."""
        if self._layout == "hw":
            return frame[None]
        if self._layout == "hwc":
            return frame.transpose(2, 0, 1)
        return frame

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict]:
        """Reset ``env`` and fill every slot of the stack with its first frame."""
        observation, info = self.env.reset(seed=seed, options=options)
        self._ring[:] = self._to_chw(np.asarray(self._frame(observation)))
        self._oldest = 0
        return self._with_stack(observation), info

    def observation(self, observation: Any) -> Any:
        """Push the newest frame (overwriting the oldest) and return the stack."""
        self._ring[self._oldest] = self._to_chw(np.asarray(self._frame(observation)))
        self._oldest = (self._oldest + 1) % self.num_frames
        return self._with_stack(observation)

    def _frame(self, observation: Any) -> np.ndarray:
        return observation if self.key is None else observation[self.key]

    def _with_stack(self, observation: Any) -> Any:
        if self.key is None:
            return self._stacked()
        return {**observation, self.key: self._stacked()}

    def _stacked(self) -> np.ndarray:
        stacked = np.empty(self._stack_shape, dtype=np.uint8)
        # Two slice copies put the ring in time order: slots [oldest, k) then [0, oldest).
        split = (self.num_frames - self._oldest) * self._channels
        stacked[:split] = self._ring[self._oldest :].reshape(-1, *self.frame_shape[1:])
        stacked[split:] = self._ring[: self._oldest].reshape(-1, *self.frame_shape[1:])
        return stacked
