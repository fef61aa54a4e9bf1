"""Gymnasium's MuJoCo locomotion tasks on the ``batched`` backend give, to the bit, what Gymnasium's own envs
give on ``sync``: observations, rewards, terminations, truncations and infos over 1,000 steps with resets,
from the same seeds and actions; ``env.kwargs`` are honoured or refused in one line."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.errors import ConfigError, EnvArgumentsError, RlkitError
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.vector_env import make_vector_env
from tests.rollout.helpers import assert_same

BATCHED = RolloutConfig(backend="batched", threads=2)
NUM_ENVS = 3
STEPS = 1000

#: ``(env.id, max_episode_steps, action dtype)``: HalfCheetah at Gymnasium's own time limit (it truncates at
#: the last step), the others at shorter ones so that episodes end by both terminations and truncations;
#: one task steps float64 actions (its ``reward_ctrl`` is then float64, not float32).
TASKS = [
    ("HalfCheetah-v5", None, np.float32),
    ("Hopper-v5", 20, np.float32),
    ("Walker2d-v5", 20, np.float64),
    ("Ant-v5", 100, np.float32),
    ("Humanoid-v5", 20, np.float32),
]


def _compare(config: EnvConfig, steps: int, dtype: type = np.float32, seed: int = 7) -> tuple[int, int]:
    """Step the sync and batched backends side by side; every result equal to the bit. Returns the
    terminations and truncations seen."""
    sync = make_vector_env(config, NUM_ENVS)
    batched = make_vector_env(config, NUM_ENVS, BATCHED)
    assert not isinstance(batched, type(sync))
    assert batched.single_observation_space == sync.single_observation_space
    assert batched.single_action_space == sync.single_action_space
    assert_same(sync.reset(seed=seed), batched.reset(seed=seed), "reset")
    space = sync.single_action_space
    rng = np.random.default_rng(seed)
    terminations = truncations = 0
    for step in range(steps):
        actions = rng.uniform(space.low, space.high, (NUM_ENVS, *space.shape)).astype(dtype)  # type: ignore[attr-defined]
        expected, got = sync.step(actions), batched.step(actions)
        # observations, rewards, terminated, truncated, and infos: each key, final_obs, final_info
        assert_same(expected, got, f"step {step}")
        terminations += int(expected[2].sum())
        truncations += int(expected[3].sum())
    # a reseed of some envs in the middle starts them again from their seeds, as sync does
    assert_same(sync.reset(seed=[5, None, 9]), batched.reset(seed=[5, None, 9]), "reseed")
    actions = np.zeros((NUM_ENVS, *space.shape), dtype=np.float32)
    assert_same(sync.step(actions), batched.step(actions), "after reseed")
    # and a masked reset restarts only the masked envs, their infos alone gathered
    mask = np.array([False, True, False])  # a dict each: SyncVectorEnv pops the mask from its options
    expected = sync.reset(seed=3, options={"reset_mask": mask})
    assert_same(expected, batched.reset(seed=3, options={"reset_mask": mask}), "masked reset")
    assert_same(sync.step(actions), batched.step(actions), "after masked reset")
    return terminations, truncations


@pytest.mark.parametrize(("env_id", "limit", "dtype"), TASKS, ids=[task[0] for task in TASKS])
def test_batched_gymnasium_task_equals_gymnasium_to_the_bit(
    env_id: str, limit: int | None, dtype: type
) -> None:
    config = EnvConfig(id=env_id, max_episode_steps=limit)
    terminations, truncations = _compare(config, STEPS, dtype)
    if limit is None:
        assert truncations == NUM_ENVS  # Gymnasium's TimeLimit: 1,000 steps
    else:
        assert truncations >= 1 and terminations >= 3, (terminations, truncations)


@pytest.mark.parametrize(
    ("env_id", "kwargs"),
    [
        (
            "HalfCheetah-v5",
            {
                "ctrl_cost_weight": 0.5,
                "reset_noise_scale": 0.3,
                "exclude_current_positions_from_observation": False,
            },
        ),
        ("Hopper-v5", {"healthy_z_range": [0.9, 2.0], "healthy_reward": 2, "frame_skip": 2}),
        (
            "Ant-v5",
            {
                "include_cfrc_ext_in_observation": False,
                "contact_force_range": [-0.5, 0.5],
                "main_body": "torso",
            },
        ),
        ("Humanoid-v5", {"include_cinert_in_observation": False, "contact_cost_range": [0.0, 1e-4]}),
    ],
)
def test_constructor_arguments_are_honoured(env_id: str, kwargs: dict[str, Any]) -> None:
    _compare(EnvConfig(id=env_id, kwargs=kwargs, max_episode_steps=40), 100)


def test_an_unknown_constructor_argument_is_refused_in_one_line() -> None:
    with pytest.raises(EnvArgumentsError, match="unexpected keyword argument 'healthy_speed'") as error:
        make_vector_env(EnvConfig(id="Hopper-v5", kwargs={"healthy_speed": 1.0}), 2, BATCHED)
    assert error.value.argument == "env.kwargs.healthy_speed" and "\n" not in str(error.value)


def test_gymnasium_defaults_and_the_time_limit() -> None:
    env = make_vector_env(EnvConfig(id="Ant-v5"), 2, BATCHED)
    assert isinstance(env, BatchedVectorEnv)
    assert env.call("frame_skip") == (5, 5)
    assert env.get_attr("_ctrl_cost_weight") == (0.5, 0.5)
    assert env.single_observation_space.shape == (105,)  # qpos[2:], qvel and cfrc_ext[1:]


def test_a_sim2real_layer_is_refused_in_one_line() -> None:
    config = EnvConfig(id="HalfCheetah-v5", actuators={"noise_std": 0.1})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"env\.actuators\.noise_std .*use rollout\.backend sync"):
        make_vector_env(config, 2, BATCHED)


def test_another_gymnasium_env_is_refused_in_one_line() -> None:
    with pytest.raises(RlkitError, match=r"'Swimmer-v5'.*use rollout\.backend sync"):
        make_vector_env(EnvConfig(id="Swimmer-v5"), 2, BATCHED)
