"""Env state as checkpoint data: it loads with ``weights_only=True`` and comes back as it was."""

from __future__ import annotations

import enum
import io

import gymnasium as gym
import numpy as np
import torch

from rlkit.envs.env_state import capture_envs, restore_envs
from tests.envs.counter_env import CounterEnv


class Phase(enum.IntEnum):
    STAND = 0
    WALK = 1


class Gait(enum.Enum):
    TROT = "trot"
    BOUND = "bound"


class Flag(int):
    """An ``int`` subclass that is not an enum: stored as its ``int`` value."""


class Stateful(gym.Wrapper):
    """Keeps the kinds of values that subclass the plain types a checkpoint may hold."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.phase = Phase.STAND
        self.gait = Gait.TROT
        self.gain = np.float64(1.0)
        self.flag = Flag(0)
        self.history = [Phase.STAND]


def _vector_env() -> gym.vector.SyncVectorEnv:
    return gym.vector.SyncVectorEnv([lambda: Stateful(CounterEnv())])


def _through_a_checkpoint(state: object) -> object:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_enum_and_subclassed_scalars_load_with_weights_only_and_come_back_as_they_were() -> None:
    source = _vector_env()
    wrapper = source.envs[0]
    wrapper.phase, wrapper.gait, wrapper.gain, wrapper.flag = Phase.WALK, Gait.BOUND, np.float64(2.5), Flag(7)
    wrapper.history = [Phase.WALK, Phase.STAND]
    state = _through_a_checkpoint(capture_envs(source))

    target = _vector_env()
    assert restore_envs(target, state)
    restored = target.envs[0]
    assert restored.phase is Phase.WALK
    assert restored.gait is Gait.BOUND
    assert restored.gain == 2.5 and isinstance(restored.gain, np.float64)
    assert restored.flag == 7
    assert restored.history == [Phase.WALK, Phase.STAND] and isinstance(restored.history[0], Phase)


def test_a_batched_envs_checkpoint_holds_generator_states_not_blocks_of_draws() -> None:
    from rlkit.config.loading import load_named_config
    from rlkit.config.schema import RolloutConfig
    from rlkit.rollout.vector_env import make_vector_env

    num_envs = 64
    config = load_named_config("walker-ppo-sim2real")[0]
    env = make_vector_env(config.env, num_envs, RolloutConfig(backend="batched", threads=1))
    env.reset(seed=0)
    env.step(np.zeros((num_envs, *env.single_action_space.shape), dtype=np.float32))
    buffer = io.BytesIO()
    torch.save(capture_envs(env), buffer)
    # each noise stream draws 256 steps ahead per env (16 KiB a stream); the checkpoint keeps its state only
    assert buffer.tell() / num_envs < 20_000
    env.close()
