"""The frame-sharing replay buffer gives exactly the plain buffer's batches from a fraction of its memory."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from rlkit.buffers.frame_replay_buffer import FrameReplayBuffer
from rlkit.buffers.n_step import NStepAccumulator
from rlkit.buffers.prioritized_frame_replay_buffer import PrioritizedFrameReplayBuffer
from rlkit.buffers.prioritized_replay_buffer import PrioritizedReplayBuffer
from rlkit.buffers.replay_buffer import ReplayBuffer, TransitionBatch

CPU = torch.device("cpu")
FIELDS = ("obs", "actions", "rewards", "next_obs", "terminated", "steps")


class StackedStreams:
    """``num_envs`` envs' observations as :class:`vision.FrameStack` gives them: ``k`` frames, oldest first,
    the first frame repeated after a reset; episodes end by termination or truncation at random.

    With a ``palette`` every frame is one of that many images, so equal frames recur across envs and time.
    """

    def __init__(
        self, num_envs: int, k: int, frame_shape: tuple[int, ...], seed: int, palette: int | None = None
    ) -> None:
        self.num_envs, self.k, self.frame_shape = num_envs, k, frame_shape
        self.rng = np.random.default_rng(seed)
        self.palette = None
        if palette is not None:
            self.palette = self.rng.integers(0, 256, (palette, *frame_shape), dtype=np.uint8)
        self.obs = np.stack([self._reset_stack() for _ in range(num_envs)])

    def _frame(self) -> np.ndarray:
        if self.palette is not None:
            return self.palette[self.rng.integers(len(self.palette))]
        return self.rng.integers(0, 256, self.frame_shape, dtype=np.uint8)

    def _reset_stack(self) -> np.ndarray:
        return np.concatenate([self._frame()] * self.k)

    def step(self) -> tuple[np.ndarray, ...]:
        """One vector step: (obs, actions, rewards, next_obs, terminated, truncated).

        For an env whose episode ended, next_obs is that episode's last observation (as the training loop
        passes it); the env's next obs is then a new episode's first stack.
        """
        obs = self.obs
        frames = np.stack([self._frame() for _ in range(self.num_envs)])
        next_obs = np.concatenate([obs[:, self.frame_shape[0] :], frames], axis=1)
        terminated = self.rng.random(self.num_envs) < 0.1
        truncated = ~terminated & (self.rng.random(self.num_envs) < 0.05)
        actions = self.rng.integers(0, 4, self.num_envs)
        rewards = self.rng.normal(size=self.num_envs).astype(np.float32)
        self.obs = next_obs.copy()
        for env in np.flatnonzero(terminated | truncated):
            self.obs[env] = self._reset_stack()
        return obs, actions, rewards, next_obs, terminated, truncated

    def reset(self) -> None:
        """Reset every env mid-episode (what the training loop does at the start and after a resume)."""
        self.obs = np.stack([self._reset_stack() for _ in range(self.num_envs)])


def drive(
    buffers: list[ReplayBuffer], streams: StackedStreams, env_steps: int, n: int = 1, check=None
) -> None:
    """Feed the same transitions to every buffer: one-step, or n-step through an NStepAccumulator (whose
    windows are flushed as truncated when the envs are reset halfway)."""
    obs_shape = streams.obs.shape[1:]
    accumulator = NStepAccumulator(streams.num_envs, n, 0.9, obs_shape, np.uint8, (), np.int64)
    for step in range(env_steps):
        if step == env_steps // 2:
            ready = accumulator.flush()
            streams.reset()
        else:
            obs, actions, rewards, next_obs, terminated, truncated = streams.step()
            ready = accumulator.push(obs, actions, rewards, next_obs, terminated, truncated)
        if len(ready):
            for buffer in buffers:
                buffer.add(
                    ready.obs, ready.actions, ready.returns, ready.next_obs, ready.terminated, ready.steps
                )
            if check is not None:
                check()


def live_slots(buffer: FrameReplayBuffer) -> np.ndarray:
    return np.flatnonzero(buffer.is_live(np.arange(buffer.capacity)))


def assert_same_batches(first: TransitionBatch, second: TransitionBatch) -> None:
    for name in FIELDS:
        a, b = getattr(first, name), getattr(second, name)
        assert a.dtype == b.dtype and torch.equal(a, b), name


def assert_same_transitions(plain: ReplayBuffer, frames: FrameReplayBuffer) -> np.ndarray:
    """Every live slot of ``frames`` holds exactly the plain buffer's transition; returns the live slots."""
    slots = live_slots(frames)
    assert len(frames) == len(slots) > 0
    assert_same_batches(plain.gather(slots), frames.gather(slots))
    return slots


def buffers(
    capacity: int, obs_shape: tuple[int, ...], k: int, frame_capacity: int | None = None
) -> tuple[ReplayBuffer, FrameReplayBuffer]:
    plain = ReplayBuffer(capacity, obs_shape, np.uint8, (), np.int64, CPU, 0)
    frames = FrameReplayBuffer(
        capacity, obs_shape, np.uint8, (), np.int64, CPU, 0, frames_per_obs=k, frame_capacity=frame_capacity
    )
    return plain, frames


@pytest.mark.parametrize("n", [1, 3], ids=["one_step", "n_step"])
@pytest.mark.parametrize(
    ("k", "frame_shape", "palette"),
    [(4, (1, 5, 6), None), (3, (2, 4, 4), None), (4, (1, 5, 6), 3)],
    ids=["k4", "k3_two_channels", "recurring_frames"],
)
def test_every_transition_equals_the_plain_buffers_through_episode_ends_and_wraparound(
    n: int, k: int, frame_shape: tuple[int, ...], palette: int | None
) -> None:
    obs_shape = (k * frame_shape[0], *frame_shape[1:])
    plain, frames = buffers(40, obs_shape, k, frame_capacity=1000)  # a pool large enough to drop nothing
    streams = StackedStreams(3, k, frame_shape, seed=1, palette=palette)

    def check() -> None:
        slots = assert_same_transitions(plain, frames)
        assert len(slots) == plain.size  # nothing dropped: every stored slot is live
        assert frames.position == plain.position

    drive([plain, frames], streams, 60, n, check)
    assert frames.steps.min() < n or n == 1  # episode ends cut n-step windows short
    assert plain.terminated.any() and frames.size == frames.capacity  # episode ends and wraparound happened
    # Each stored frame is shared: about one pool frame per transition instead of 2k.
    assert frames.frames_in_use() < 1.5 * frames.capacity


@pytest.mark.parametrize("n", [1, 3], ids=["one_step", "n_step"])
def test_a_small_pool_drops_the_oldest_transitions_and_never_samples_them(n: int) -> None:
    plain, frames = buffers(40, (4, 5, 6), 4, frame_capacity=30)
    streams = StackedStreams(3, 4, (1, 5, 6), seed=2)
    gathered: list[np.ndarray] = []
    gather = frames.gather

    def recording_gather(index: np.ndarray) -> TransitionBatch:
        gathered.append(index)
        return gather(index)

    frames.gather = recording_gather  # type: ignore[method-assign]

    def check() -> None:
        assert_same_transitions(plain, frames)
        assert frames.frames_in_use() <= 30
        batch = frames.sample(16)
        index = gathered[-1]
        assert frames.is_live(index).all()
        assert_same_batches(plain.gather(index), batch)

    drive([plain, frames], streams, 60, n, check)
    assert 0 < len(frames) < plain.size  # transitions were dropped, the newest kept


def test_equal_content_keys_never_mix_up_different_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    plain, frames = buffers(40, (4, 5, 6), 4, frame_capacity=1000)
    # Every frame gets the same key: only the byte comparison tells them apart.
    monkeypatch.setattr(frames, "_keys", lambda split: [0] * (split.shape[0] * split.shape[1]))
    drive([plain, frames], StackedStreams(2, 4, (1, 5, 6), seed=3, palette=4), 40, 3, lambda: None)
    assert_same_transitions(plain, frames)


def test_prioritized_variant_samples_as_the_plain_prioritized_buffer() -> None:
    shape = (4, 5, 6)
    plain = PrioritizedReplayBuffer(40, shape, np.uint8, (), np.int64, CPU, 0, alpha=0.6)
    frames = PrioritizedFrameReplayBuffer(
        40, shape, np.uint8, (), np.int64, CPU, 0, frames_per_obs=4, frame_capacity=1000, alpha=0.6
    )
    rng = np.random.default_rng(0)

    def check() -> None:
        first, second = plain.sample(8, beta=0.5), frames.sample(8, beta=0.5)
        assert_same_batches(first, second)
        assert np.array_equal(first.indices, second.indices) and torch.equal(first.weights, second.weights)
        errors = rng.random(8)
        plain.update_priorities(first.indices, errors)
        frames.update_priorities(second.indices, errors)

    drive([plain, frames], StackedStreams(3, 4, (1, 5, 6), seed=4), 60, 3, check)


def test_prioritized_variant_never_samples_dropped_transitions() -> None:
    frames = PrioritizedFrameReplayBuffer(
        40, (4, 5, 6), np.uint8, (), np.int64, CPU, 0, frames_per_obs=4, frame_capacity=30
    )
    plain = ReplayBuffer(40, (4, 5, 6), np.uint8, (), np.int64, CPU, 0)

    def check() -> None:
        batch = frames.sample(32, beta=0.4)
        assert frames.is_live(batch.indices).all()
        assert_same_batches(plain.gather(batch.indices), dataclass_fields_only(batch))
        dead = np.flatnonzero(~frames.is_live(np.arange(frames.capacity)))
        assert (frames.tree[dead] == 0).all()

    drive([plain, frames], StackedStreams(3, 4, (1, 5, 6), seed=5), 60, 1, check)
    assert len(frames) < plain.size


def dataclass_fields_only(batch: TransitionBatch) -> TransitionBatch:
    return TransitionBatch(*(getattr(batch, name) for name in FIELDS))


def test_memory_per_transition_is_a_fraction_of_the_plain_buffers() -> None:
    """k = 4 frames of 84x84: the plain buffer keeps 8 frames per transition, this one about 1.25."""
    capacity, shape = 500, (4, 84, 84)
    plain, frames = buffers(capacity, shape, 4)
    per_transition = frames.nbytes() / capacity
    plain_per_transition = (
        sum(
            a.nbytes
            for a in (plain.obs, plain.next_obs, plain.actions, plain.rewards, plain.terminated, plain.steps)
        )
        / capacity
    )
    frame_bytes = 84 * 84
    assert plain_per_transition > 8 * frame_bytes
    assert per_transition < 1.3 * frame_bytes  # 1.25 frames and a few ids and counts
    assert plain_per_transition / per_transition > 6
    # Filled with long episodes, the pool holds one frame per transition (plus each episode's first).
    drive([frames], StackedStreams(1, 4, (1, 84, 84), seed=6), 2 * capacity)
    assert len(frames) == capacity
    assert frames.frames_in_use() < 1.2 * capacity


@pytest.mark.parametrize("prioritized", [False, True], ids=["uniform", "prioritized"])
def test_state_dict_round_trips_through_a_weights_only_checkpoint(prioritized: bool) -> None:
    def build(seed: int) -> FrameReplayBuffer:
        cls = PrioritizedFrameReplayBuffer if prioritized else FrameReplayBuffer
        return cls(40, (4, 5, 6), np.uint8, (), np.int64, CPU, seed, frames_per_obs=4, frame_capacity=60)

    original = build(0)
    drive([original], StackedStreams(3, 4, (1, 5, 6), seed=7), 50, 3)
    saved = io.BytesIO()
    torch.save(original.state_dict(), saved)
    saved.seek(0)
    clone = build(123)
    clone.load_state_dict(torch.load(saved, weights_only=True))
    slots = live_slots(original)
    assert np.array_equal(live_slots(clone), slots) and len(clone) == len(original)
    assert_same_batches(original.gather(slots), clone.gather(slots))

    def check() -> None:  # the two go on identically: same pool decisions, same sampling stream
        assert_same_batches(original.sample(8), clone.sample(8))
        assert np.array_equal(original.frame_refs, clone.frame_refs)

    drive([original, clone], StackedStreams(3, 4, (1, 5, 6), seed=8), 40, 3, check)


def test_observations_must_split_into_whole_frames() -> None:
    with pytest.raises(ValueError, match="frames_per_obs"):
        FrameReplayBuffer(10, (6, 5, 5), np.uint8, (), np.int64, CPU, 0, frames_per_obs=4)
    with pytest.raises(ValueError, match="frame_capacity"):
        FrameReplayBuffer(10, (4, 5, 5), np.uint8, (), np.int64, CPU, 0, frames_per_obs=4, frame_capacity=7)
