"""``env.simulator``: the integrator, solver, timestep, contact softness and actuator lag a transfer check
changes, reaching the compiled model, keeping the control period, and run the same way on both backends."""

from __future__ import annotations

import gymnasium as gym
import mujoco
import numpy as np
import pytest

import rlkit.envs  # noqa: F401  (registers rlkit/Quadruped-v0)
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.config.sweep import SweepAxis
from rlkit.envs.factory import make_env
from rlkit.errors import RlkitError
from rlkit.evaluate.sweep_world import perturbed_env_config
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.vector_env import make_vector_env
from tests.rollout.helpers import assert_same

REALITY = {
    "integrator": "euler",
    "solver": "cg",
    "iterations": 20,
    "timestep": 0.0025,
    "contact_solref": [0.01, 0.8],
    "contact_solimp": [0.8, 0.9, 0.002, 0.5, 2.0],
    "actuator_lag": 0.01,
}


def test_every_setting_reaches_the_model_and_the_control_period_is_kept() -> None:
    plain = gym.make("rlkit/Quadruped-v0").unwrapped
    env = gym.make("rlkit/Quadruped-v0", simulator=REALITY).unwrapped
    model = env.model
    assert model.opt.integrator == mujoco.mjtIntegrator.mjINT_EULER
    assert model.opt.solver == mujoco.mjtSolver.mjSOL_CG and model.opt.iterations == 20
    assert model.opt.timestep == 0.0025 and env.frame_skip == 8  # 4 steps of 5 ms: 8 of 2.5 ms
    assert env.dt == pytest.approx(plain.dt)
    np.testing.assert_array_equal(model.geom_solref, np.tile([0.01, 0.8], (model.ngeom, 1)))
    np.testing.assert_array_equal(model.geom_solimp[0], REALITY["contact_solimp"])
    assert model.na == model.nu and set(model.actuator_dyntype) == {int(mujoco.mjtDyn.mjDYN_FILTEREXACT)}
    np.testing.assert_array_equal(model.actuator_dynprm[:, 0], 0.01)
    np.testing.assert_array_equal(model.key("home").act, model.key("home").ctrl)  # lag starts at the pose


def test_a_lagged_actuator_follows_its_command_exponentially() -> None:
    env = gym.make("rlkit/Quadruped-v0", simulator={"actuator_lag": 0.02}).unwrapped
    env.reset(seed=0)
    start = env.data.act.copy()
    np.testing.assert_array_equal(start, env.model.key("home").ctrl)
    action = np.full(12, 0.4)
    env.step(action)
    command = env.data.ctrl.copy()
    # filterexact: each 5 ms substep closes 1 - exp(-0.005 / 0.02) of the gap; four substeps per step
    expected = command + (start - command) * np.exp(-4 * 0.005 / 0.02)
    np.testing.assert_allclose(env.data.act, expected, rtol=1e-12, atol=1e-12)


def test_a_timestep_that_does_not_divide_the_control_period_and_a_non_mujoco_env_are_one_line() -> None:
    with pytest.raises(
        RlkitError, match=r"env\.simulator\.timestep 0\.003 does not divide the control period"
    ):
        gym.make("rlkit/Quadruped-v0", simulator={"timestep": 0.003})
    with pytest.raises(RlkitError, match="simulator"):
        make_env(EnvConfig(id="Pendulum-v1", simulator={"solver": "cg"}))


def test_batched_steps_the_changed_simulator_as_sync_does_to_the_bit() -> None:
    config = EnvConfig(id="rlkit/Quadruped-v0", simulator=REALITY, max_episode_steps=12)
    sync = make_vector_env(config, 2)
    batched = make_vector_env(config, 2, RolloutConfig(backend="batched", threads=2))
    assert isinstance(batched, BatchedVectorEnv)
    assert_same(sync.reset(seed=3), batched.reset(seed=3), "reset")
    rng = np.random.default_rng(0)
    for step in range(30):
        actions = rng.uniform(-1.0, 1.0, (2, 12)).astype(np.float32)
        assert_same(sync.step(actions), batched.step(actions), f"step {step}")


def test_the_reality_sweep_axes_set_the_simulator() -> None:
    base = EnvConfig(id="rlkit/Quadruped-v0")
    axes = [
        SweepAxis(perturbation="actuator_lag", values=[0.01]),
        SweepAxis(perturbation="contact_timeconst", values=[0.04]),
    ]
    perturbed = perturbed_env_config(base, axes, [0.01, 0.04])
    assert perturbed.simulator is not None
    assert perturbed.simulator.actuator_lag == 0.01 and perturbed.simulator.contact_solref == (0.04, 1.0)


def test_an_override_starts_a_section_a_saved_config_left_at_none() -> None:
    from rlkit.config.loading import apply_overrides

    raw = {"env": {"id": "rlkit/Quadruped-v0", "simulator": None}}
    changed = apply_overrides(raw, ["env.simulator.integrator=euler", "env.simulator.actuator_lag=0.01"])
    assert changed["env"]["simulator"] == {"integrator": "euler", "actuator_lag": 0.01}
    assert raw["env"]["simulator"] is None
