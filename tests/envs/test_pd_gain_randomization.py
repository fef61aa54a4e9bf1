"""PD gains randomized apart (``actuator_kp``, ``actuator_kd``) on a robot's position servos; the overall
``actuator_gain`` (motor strength: both gains together) may not be randomized with them on one actuator."""

from __future__ import annotations

import numpy as np
import pytest

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs.factory import make_env
from rlkit.errors import RlkitError
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.vector_env import make_vector_env
from tests.rollout.helpers import assert_same

GAINS = [
    {"parameter": "actuator_kp", "low": 0.8, "high": 1.2},
    {"parameter": "actuator_kd", "names": "FR_.*", "low": 0.5, "high": 2.0},
]


def test_kp_scales_the_servos_stiffness_in_gain_and_bias_and_kd_its_damping() -> None:
    env = make_env(EnvConfig(id="rlkit/Quadruped-v0", randomization={"parameters": GAINS}))
    _, info = env.reset(seed=0)
    model = env.unwrapped.model
    samples = info["randomization"]
    kp = np.array([samples[f"actuator_kp/{model.actuator(i).name}"] for i in range(12)])
    np.testing.assert_allclose(model.actuator_gainprm[:, 0], 35.0 * kp)
    np.testing.assert_allclose(model.actuator_biasprm[:, 1], -35.0 * kp)
    kd = np.array([samples.get(f"actuator_kd/{model.actuator(i).name}", 1.0) for i in range(12)])
    np.testing.assert_allclose(model.actuator_biasprm[:, 2], -0.5 * kd)
    assert (kd[:3] != 1.0).all() and (kd[3:] == 1.0).all()  # the front-right leg's alone
    assert len(set(kp.tolist())) == 12  # one draw per actuator


def test_gain_with_kp_on_one_actuator_and_a_gain_on_a_motor_are_one_line_errors() -> None:
    both = [{"parameter": "actuator_kp"}, {"parameter": "actuator_gain", "names": "FR_hip"}]
    with pytest.raises(RlkitError, match="parameters 0 and 1 both randomize actuator_kp of 'FR_hip'"):
        make_env(EnvConfig(id="rlkit/Quadruped-v0", randomization={"parameters": both}))
    make_env(EnvConfig(id="rlkit/Quadruped-v0", randomization={"parameters": GAINS}))  # kp with kd: fine
    with pytest.raises(RlkitError, match="actuator 'right_hip' is not a PD servo"):
        make_env(
            EnvConfig(id="rlkit/Walker-v0", randomization={"parameters": [{"parameter": "actuator_kd"}]})
        )


def test_batched_pd_gains_equal_sync_ones_to_the_bit() -> None:
    config = EnvConfig(id="rlkit/Quadruped-v0", randomization={"parameters": GAINS}, max_episode_steps=8)
    sync = make_vector_env(config, 2)
    batched = make_vector_env(config, 2, RolloutConfig(backend="batched", threads=2))
    assert isinstance(batched, BatchedVectorEnv)
    assert_same(sync.reset(seed=5), batched.reset(seed=5), "reset")
    rng = np.random.default_rng(0)
    for step in range(20):
        actions = rng.uniform(-1.0, 1.0, (2, 12)).astype(np.float32)
        assert_same(sync.step(actions), batched.step(actions), f"step {step}")
