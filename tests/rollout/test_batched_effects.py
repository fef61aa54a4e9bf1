"""The ``batched`` backend with sensor and actuator models: the same observations, actions, rewards and infos
as ``sync`` to the bit, effect by effect, with autoresets and masked resets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rlkit.config.loading import load_config
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.vector_env import make_vector_env
from tests.rollout.helpers import assert_same

BATCHED = RolloutConfig(backend="batched", threads=2)
TASKS = ["rlkit/CartPoleSwingup-v0", "rlkit/Walker-v0"]
#: Each model alone, then all of them and ``walker-ppo-sim2real``'s sections. A sensor model acts on the
#: channels that match ``.*(velocity|qvel).*`` (velocities on both tasks), so the others stay exact.
VELOCITIES = ".*(velocity|qvel).*"
EFFECTS: dict[str, dict[str, Any]] = {
    "sensor_noise": {"sensors": {"models": [{"channels": VELOCITIES, "noise_std": 0.1}]}},
    "sensor_bias": {"sensors": {"models": [{"bias_std": 0.1}]}},
    "sensor_drift": {"sensors": {"models": [{"channels": VELOCITIES, "drift_std": 0.05}]}},
    "sensor_dropout_zero": {"sensors": {"models": [{"dropout": 0.3, "dropout_mode": "zero"}]}},
    "sensor_dropout_hold": {"sensors": {"models": [{"channels": VELOCITIES, "dropout": 0.5}]}},
    "sensor_quantization": {"sensors": {"models": [{"quantization": 0.05}]}},
    "sensor_clip": {"sensors": {"models": [{"channels": VELOCITIES, "clip": [-0.5, 0.5]}]}},
    "sensor_sample_and_hold": {"sensors": {"models": [{"channels": VELOCITIES, "update_every": 3}]}},
    "observation_latency": {"sensors": {"latency": {"min": 0, "max": 3}}},
    "observed_channels": {"sensors": {"observed": "(?!.*(velocity|qvel)).*"}},
    "action_noise": {"actuators": {"noise_std": 0.2}},
    "action_latency": {"actuators": {"latency": {"min": 0, "max": 2}}},
    "action_rate_limit": {"actuators": {"rate_limit": 0.1}},
    "action_saturation": {"actuators": {"saturation": 0.5}},
    "action_repeat": {"actuators": {"repeat": 3}},
    "all": {
        "actuators": {
            "noise_std": 0.1,
            "latency": {"min": 1, "max": 2},
            "rate_limit": 0.3,
            "saturation": 0.8,
            "repeat": 2,
        },
        "sensors": {
            "observed": "(?!pole_axis\\[2\\]|qpos:rootz).*",
            "models": [
                {
                    "channels": VELOCITIES,
                    "noise_std": 0.05,
                    "bias_std": 0.02,
                    "drift_std": 0.01,
                    "dropout": 0.2,
                    "dropout_mode": "zero",
                },
                {
                    "channels": "(?!.*(velocity|qvel)).*",
                    "update_every": 2,
                    "quantization": 0.01,
                    "clip": [-2, 2],
                },
            ],
            "latency": {"min": 0, "max": 2},
        },
    },
    "walker_ppo_sim2real": load_config("walker-ppo-sim2real").env.model_dump(
        include={"actuators", "sensors"}
    ),
}


def _config(env_id: str, effect: str) -> EnvConfig:
    sections = EFFECTS[effect]
    if effect == "walker_ppo_sim2real" and env_id != "rlkit/Walker-v0":  # its channels are the walker's
        sections = {
            "actuators": sections["actuators"],
            "sensors": {"latency": sections["sensors"]["latency"]},
        }
    return EnvConfig(id=env_id, max_episode_steps=25, **sections)


@pytest.mark.parametrize("effect", EFFECTS)
@pytest.mark.parametrize("env_id", TASKS)
def test_batched_with_an_effect_equals_sync_to_the_bit(env_id: str, effect: str) -> None:
    config = _config(env_id, effect)
    sync = make_vector_env(config, 4)
    batched = make_vector_env(config, 4, BATCHED)
    assert isinstance(batched, BatchedVectorEnv)
    assert batched.single_observation_space == sync.single_observation_space
    assert batched.get_attr("observation_names") == sync.get_attr("observation_names")
    assert_same(sync.reset(seed=3), batched.reset(seed=3), "reset")
    rng = np.random.default_rng(0)
    ended = 0
    for step in range(200):
        actions = rng.uniform(-1.2, 1.2, (4, *sync.single_action_space.shape)).astype(np.float32)
        expected = sync.step(actions)
        assert_same(expected, batched.step(actions), f"step {step}")
        ended += int((expected[2] | expected[3]).sum())
    assert ended >= 8, ended  # every env has autoreset, several times

    # a masked reset re-seeds some envs and leaves the others' models where they are
    def masked() -> dict[str, Any]:  # a new dict for each: SyncVectorEnv pops the mask from its options
        return {"reset_mask": np.array([True, False, True, False])}

    seeds = [8, None, 9, None]
    assert_same(
        sync.reset(seed=seeds, options=masked()), batched.reset(seed=seeds, options=masked()), "masked"
    )
    for step in range(20):
        actions = rng.uniform(-1.2, 1.2, (4, *sync.single_action_space.shape)).astype(np.float32)
        assert_same(sync.step(actions), batched.step(actions), f"after the masked reset, step {step}")


def test_the_models_change_what_the_batched_env_observes_and_applies() -> None:
    """Guards the test above against a chain that applies nothing (then both sides would agree trivially)."""
    plain = make_vector_env(EnvConfig(id="rlkit/Walker-v0"), 2, BATCHED)
    noisy = make_vector_env(_config("rlkit/Walker-v0", "all"), 2, BATCHED)
    assert isinstance(noisy, BatchedVectorEnv)
    first, _ = noisy.reset(seed=0)
    assert first.shape == (2, 15)  # qpos:rootz left out
    actions = np.full((2, 6), 0.9, dtype=np.float32)
    assert not np.array_equal(noisy.actuators(actions), actions)
    plain_obs, _ = plain.reset(seed=0)
    assert not np.array_equal(plain_obs[:, 1:], first)
