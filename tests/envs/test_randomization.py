"""Physics domain randomization: sampling, physical consistency, pushes and the privileged observation."""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import mujoco
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from rlkit.config.sim2real import CurriculumConfig, ParameterRandomization, PushConfig
from rlkit.envs.randomization import PhysicsRandomization, PrivilegedObservation, RandomPushes
from rlkit.errors import RlkitError

# A box falling freely (no floor), for free fall, distribution statistics and pushes.
FALL_XML = """
<mujoco>
  <option timestep="0.002"/>
  <worldbody>
    <body name="box" pos="0 0 1">
      <freejoint name="root"/>
      <geom name="box_geom" type="box" size=".1 .1 .1" mass="1"/>
    </body>
  </worldbody>
</mujoco>
"""

# A box resting on a floor, with a touch sensor under it.
REST_XML = """
<mujoco>
  <option timestep="0.002"/>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 .1"/>
    <body name="box" pos="0 0 0.1">
      <freejoint name="root"/>
      <geom name="box_geom" type="box" size=".1 .1 .1" mass="1"/>
      <site name="bottom" type="box" pos="0 0 -0.1" size=".11 .11 .02"/>
    </body>
  </worldbody>
  <sensor><touch name="touch" site="bottom"/></sensor>
</mujoco>
"""

# A cart on a slider driven by a position servo, and a pole on a hinge driven by a geared motor.
SLIDER_XML = """
<mujoco>
  <option timestep="0.002"/>
  <worldbody>
    <body name="cart">
      <joint name="slide" type="slide" axis="1 0 0" damping="0.5" armature="0.1" frictionloss="0.2"
             stiffness="3"/>
      <geom name="cart_geom" type="box" size=".1 .1 .1" mass="2" friction="0.8 0.01 0.001"
            contype="0" conaffinity="0"/>
    </body>
    <body name="pole" pos="0 0 1">
      <joint name="hinge" type="hinge" axis="0 1 0" damping="0.1"/>
      <geom type="capsule" fromto="0 0 0 0 0 .5" size=".02" mass="0.3" contype="0" conaffinity="0"/>
    </body>
  </worldbody>
  <actuator>
    <position name="servo" joint="slide" kp="40" kv="4" ctrlrange="-1 1"/>
    <motor name="motor" joint="hinge" gear="5" ctrlrange="-2 2"/>
  </actuator>
</mujoco>
"""


class MjcfEnv(gym.Env):
    """The smallest MuJoCo env: observes qpos and qvel, actions are the controls."""

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012

    def __init__(self, xml: str) -> None:
        self.model = mujoco.MjModel.from_xml_string(xml)
        self.data = mujoco.MjData(self.model)
        size = self.model.nq + self.model.nv
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (size,), np.float64)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (max(self.model.nu, 1),), np.float32)

    def _observation(self) -> np.ndarray:
        return np.concatenate([self.data.qpos, self.data.qvel])

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        mujoco.mj_resetData(self.model, self.data)
        mujoco.mj_forward(self.model, self.data)
        return self._observation(), {}

    def step(self, action: np.ndarray):
        if self.model.nu:
            self.data.ctrl[:] = action
        mujoco.mj_step(self.model, self.data)
        return self._observation(), 0.0, False, False, {}


def _param(parameter: str, **kwargs: Any) -> ParameterRandomization:
    return ParameterRandomization(parameter=parameter, **kwargs)


def _randomized(xml: str, *parameters: ParameterRandomization) -> PhysicsRandomization:
    return PhysicsRandomization(MjcfEnv(xml), list(parameters))


def _cheetah(*parameters: ParameterRandomization) -> PhysicsRandomization:
    return PhysicsRandomization(gym.make("HalfCheetah-v5"), list(parameters))


def _scene(xml: str, *parameters: ParameterRandomization) -> tuple[PhysicsRandomization, mujoco.MjModel]:
    """A randomized scene and an untouched model of the same scene."""
    return _randomized(xml, *parameters), MjcfEnv(xml).model


# ---------------------------------------------------------------------------------------------------------
# Resampling from nominal
# ---------------------------------------------------------------------------------------------------------


def test_masses_are_resampled_every_episode_within_range() -> None:
    env = _cheetah(_param("body_mass", low=0.8, high=1.2))
    nominal = env.unwrapped.model.body_mass.copy()
    env.reset(seed=0)
    first = env.unwrapped.model.body_mass.copy()
    env.reset()
    second = env.unwrapped.model.body_mass.copy()
    assert first[0] == nominal[0] == second[0]  # the world body is never randomized
    assert np.all(first[1:] != second[1:])
    ratio = first[1:] / nominal[1:]
    assert np.all((ratio >= 0.8) & (ratio <= 1.2)) and ratio.std() > 0.01


def test_samples_never_compound() -> None:
    env = _cheetah(_param("body_mass", low=0.99, high=1.01))
    nominal = env.unwrapped.model.body_mass.copy()
    env.reset(seed=1)
    for _ in range(300):
        env.reset()
        ratio = env.unwrapped.model.body_mass[1:] / nominal[1:]
        assert np.all((ratio >= 0.99 - 1e-12) & (ratio <= 1.01 + 1e-12))


@pytest.mark.parametrize(
    "wrap",
    [
        lambda env: PhysicsRandomization(env, []),
        lambda env: PhysicsRandomization(env, [_param("body_mass", low=1.0, high=1.0)]),
        lambda env: PhysicsRandomization(env, [_param("body_mass", low=0.2, high=3.0), _param("gravity")]),
    ],
    ids=["no-parameters", "range-1-1", "scale-0"],
)
def test_nominal_exactly_when_randomization_is_off(wrap) -> None:
    env = wrap(gym.make("HalfCheetah-v5"))
    env.get_wrapper_attr("set_randomization_scale")(0.0)
    model, fresh = env.unwrapped.model, gym.make("HalfCheetah-v5").unwrapped.model
    for seed in (0, 1):
        _, info = env.reset(seed=seed)
        assert np.array_equal(model.body_mass, fresh.body_mass)
        assert np.array_equal(model.body_inertia, fresh.body_inertia)
        assert np.array_equal(model.opt.gravity, fresh.opt.gravity)
        assert all(value == 1.0 for value in info["randomization"].values())


# ---------------------------------------------------------------------------------------------------------
# Distributions (Kolmogorov–Smirnov by hand)
# ---------------------------------------------------------------------------------------------------------


def _ks_statistic(samples: np.ndarray, cdf) -> float:
    x = np.sort(samples)
    n = len(x)
    f = cdf(x)
    return float(max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n)))


def _collect(config: ParameterRandomization, resets: int = 2000) -> np.ndarray:
    env = _randomized(FALL_XML, config)
    env.reset(seed=123)
    values = [env.reset()[1]["randomization"]["body_mass/box"] for _ in range(resets)]
    return np.array(values)


def _uniform_cdf(low: float, high: float):
    return lambda x: np.clip((x - low) / (high - low), 0.0, 1.0)


def _loguniform_cdf(low: float, high: float):
    return lambda x: np.clip(np.log(x / low) / np.log(high / low), 0.0, 1.0)


def _normal_cdf(mean: float, std: float):
    return lambda x: np.array([0.5 * (1 + math.erf((v - mean) / (std * math.sqrt(2)))) for v in x])


KS_CRITICAL = 1.63 / math.sqrt(2000)  # alpha = 0.01


def test_uniform_samples_follow_uniform() -> None:
    samples = _collect(_param("body_mass", low=0.25, high=4.0))
    assert _ks_statistic(samples, _uniform_cdf(0.25, 4.0)) < KS_CRITICAL
    assert _ks_statistic(samples, _loguniform_cdf(0.25, 4.0)) > 5 * KS_CRITICAL  # the test can tell


def test_loguniform_samples_follow_loguniform() -> None:
    samples = _collect(_param("body_mass", distribution="loguniform", low=0.25, high=4.0))
    assert _ks_statistic(samples, _loguniform_cdf(0.25, 4.0)) < KS_CRITICAL
    assert _ks_statistic(samples, _uniform_cdf(0.25, 4.0)) > 5 * KS_CRITICAL


def test_gaussian_offsets_follow_normal() -> None:
    samples = _collect(_param("body_mass", mode="offset", distribution="gaussian", mean=0.2, std=0.05))
    assert _ks_statistic(samples, _normal_cdf(0.2, 0.05)) < KS_CRITICAL
    assert abs(samples.mean() - 0.2) < 0.004 and abs(samples.std() - 0.05) < 0.003
    assert _ks_statistic(samples, _normal_cdf(0.2, 0.06)) > KS_CRITICAL


# ---------------------------------------------------------------------------------------------------------
# Physical consistency
# ---------------------------------------------------------------------------------------------------------


def test_inertia_scales_with_mass() -> None:
    env = _cheetah(_param("body_mass", low=0.5, high=2.0))
    fresh = gym.make("HalfCheetah-v5").unwrapped.model
    env.reset(seed=3)
    model = env.unwrapped.model
    ratio = model.body_mass[1:] / fresh.body_mass[1:]
    assert np.allclose(model.body_inertia[1:], fresh.body_inertia[1:] * ratio[:, None], rtol=1e-12, atol=0)
    assert np.ptp(ratio) > 0.1


def _run(env: gym.Env, steps: int) -> mujoco.MjData:
    env.reset(seed=0)
    for _ in range(steps):
        env.step(env.action_space.sample() * 0)
    return env.unwrapped.data


def test_heavier_body_falls_the_same() -> None:
    light = _run(_randomized(FALL_XML), 200).qpos.copy()
    heavy = _run(_randomized(FALL_XML, _param("body_mass", low=2.0, high=2.0)), 200).qpos.copy()
    assert light[2] < 0.85  # it did fall
    assert np.allclose(heavy, light, rtol=0, atol=1e-9)


def test_heavier_body_pushes_twice_as_hard() -> None:
    nominal_env = _randomized(REST_XML)
    heavy_env = _randomized(REST_XML, _param("body_mass", low=2.0, high=2.0))
    nominal = _run(nominal_env, 1500).sensordata[0]
    heavy = _run(heavy_env, 1500).sensordata[0]
    assert nominal == pytest.approx(9.81, rel=1e-3)
    assert heavy / nominal == pytest.approx(2.0, rel=1e-3)


def test_set_const_recomputes_derived_constants() -> None:
    env, fresh = _scene(SLIDER_XML, _param("body_mass", names="cart", low=2.0, high=2.0))
    env.reset(seed=0)
    model = env.unwrapped.model
    cart = model.body("cart").id
    # One slide dof: inverse weight 1 / mass; the servo's unit-force acceleration 1 / (mass + armature).
    assert fresh.body_invweight0[cart, 0] == pytest.approx(1 / 2.0)
    assert model.body_invweight0[cart, 0] == pytest.approx(1 / 4.0, rel=1e-9)
    assert model.dof_invweight0[0] == pytest.approx(1 / 4.0, rel=1e-9)
    assert model.actuator_acc0[0] == pytest.approx(1 / 4.1, rel=1e-9)
    assert model.actuator_acc0[1] == fresh.actuator_acc0[1]


def test_initial_state_is_set_after_the_model_is_resampled() -> None:
    # mj_setConst moves data to qpos0; the inner reset's (noisy) initial state must come after it.
    env = _cheetah(_param("body_mass", low=0.5, high=2.0))
    for seed in range(3):
        observation, _ = env.reset(seed=seed)
        data = env.unwrapped.data
        assert np.array_equal(observation, np.concatenate([data.qpos[1:], data.qvel]))
        assert np.any(data.qpos != env.unwrapped.model.qpos0)


def test_position_servo_stays_consistent_with_its_gain() -> None:
    env, fresh = _scene(SLIDER_XML, _param("actuator_gain", names="servo", low=2.0, high=2.0))
    env.reset(seed=0)
    model, data = env.unwrapped.model, env.unwrapped.data
    assert model.actuator_gainprm[0, 0] == 80.0
    assert np.array_equal(model.actuator_biasprm[0, :3], [0.0, -80.0, -8.0])
    assert np.array_equal(model.actuator_gainprm[1], fresh.actuator_gainprm[1])  # the motor is not selected
    data.ctrl[0] = 0.5
    mujoco.mj_forward(model, data)
    assert data.actuator_force[0] == pytest.approx(80.0 * 0.5)
    data.qpos[0] = 0.5  # at its setpoint a servo pushes no more
    mujoco.mj_forward(model, data)
    assert data.actuator_force[0] == pytest.approx(0.0, abs=1e-12)


# ---------------------------------------------------------------------------------------------------------
# Every parameter, from nominal, in both modes
# ---------------------------------------------------------------------------------------------------------

FIELD_CASES = [
    # (parameter config, field reader, expected from a fresh model)
    (
        _param("geom_friction", names="cart_geom", low=0.5, high=0.5),
        lambda m: m.geom_friction[0],
        lambda m: m.geom_friction[0] * [0.5, 1, 1],
    ),
    (
        _param("geom_friction", names="cart_geom", friction="torsional", mode="offset", low=0.01, high=0.01),
        lambda m: m.geom_friction[0],
        lambda m: m.geom_friction[0] + [0, 0.01, 0],
    ),
    (
        _param("geom_friction", names="cart_geom", friction="all", low=2.0, high=2.0),
        lambda m: m.geom_friction[0],
        lambda m: m.geom_friction[0] * 2.0,
    ),
    (_param("dof_damping", names="slide", low=2.0, high=2.0), lambda m: m.dof_damping, lambda m: [1.0, 0.1]),
    (
        _param("dof_damping", mode="offset", low=-1.0, high=-1.0),
        lambda m: m.dof_damping,
        lambda m: [0.0, 0.0],  # clamped at zero
    ),
    (
        _param("dof_armature", names="slide", mode="offset", low=0.05, high=0.05),
        lambda m: m.dof_armature,
        lambda m: [0.15, 0.0],
    ),
    (
        _param("dof_frictionloss", names="slide", low=3.0, high=3.0),
        lambda m: m.dof_frictionloss,
        lambda m: [0.6, 0.0],
    ),
    (_param("joint_stiffness", low=0.5, high=0.5), lambda m: m.jnt_stiffness, lambda m: [1.5, 0.0]),
    (
        _param("joint_stiffness", names="hinge", mode="offset", low=2.0, high=2.0),
        lambda m: m.jnt_stiffness,
        lambda m: [3.0, 2.0],
    ),
    (
        _param("actuator_gain", names="motor", mode="offset", low=1.0, high=1.0),
        lambda m: m.actuator_gainprm[:, 0],
        lambda m: [40.0, 2.0],
    ),
    (
        _param("actuator_gear", names="motor", low=2.0, high=2.0),
        lambda m: m.actuator_gear[:, 0],
        lambda m: [1, 10],
    ),
    (
        _param("actuator_gear", names="motor", mode="offset", low=-1.0, high=-1.0),
        lambda m: m.actuator_gear[:, 0],
        lambda m: [1, 4],
    ),
    (
        _param("actuator_ctrlrange", low=0.5, high=0.5),
        lambda m: m.actuator_ctrlrange,
        lambda m: [[-0.5, 0.5], [-1.0, 1.0]],
    ),
    (
        _param("actuator_ctrlrange", names="servo", mode="offset", low=0.25, high=0.25),
        lambda m: m.actuator_ctrlrange,
        lambda m: [[-0.75, 1.25], [-2.0, 2.0]],
    ),
    (_param("gravity", names="z", low=0.5, high=0.5), lambda m: m.opt.gravity, lambda m: [0, 0, -4.905]),
    (
        _param("gravity", names="x|y", mode="offset", low=1.0, high=1.0),
        lambda m: m.opt.gravity,
        lambda m: [1, 1, -9.81],
    ),
    (_param("timestep", low=2.0, high=2.0), lambda m: m.opt.timestep, lambda m: 0.004),
    (_param("timestep", mode="offset", low=-0.001, high=-0.001), lambda m: m.opt.timestep, lambda m: 0.001),
    (
        _param("body_mass", names="pole", mode="offset", low=-5.0, high=-5.0),
        lambda m: m.body_mass[2] > 0,
        None,
    ),
]


@pytest.mark.parametrize("config, read, expected", FIELD_CASES, ids=lambda c: getattr(c, "parameter", None))
def test_each_parameter_is_applied_from_nominal(config, read, expected) -> None:
    env, fresh = _scene(SLIDER_XML, config)
    for seed in (0, 1, 2):  # the same value every reset: applied to nominal, never compounded
        env.reset(seed=seed)
        if expected is None:
            assert read(env.unwrapped.model)
        else:
            assert np.allclose(read(env.unwrapped.model), expected(fresh), rtol=1e-12, atol=1e-15)


def test_joint_parameters_reach_every_dof_of_a_free_joint() -> None:
    env = _randomized(FALL_XML, _param("dof_damping", mode="offset", low=0.3, high=0.3))
    env.reset(seed=0)
    assert np.array_equal(env.unwrapped.model.dof_damping, np.full(6, 0.3))
    assert env.sampled_names == ["dof_damping/root"]


def test_randomized_timestep_changes_env_dt() -> None:
    env = _cheetah(_param("timestep", low=0.5, high=0.5))
    dt = env.unwrapped.dt
    env.reset(seed=0)
    assert env.unwrapped.dt == pytest.approx(dt / 2)


# ---------------------------------------------------------------------------------------------------------
# Selection by name
# ---------------------------------------------------------------------------------------------------------


def test_names_select_by_full_match_regex() -> None:
    env = _cheetah(_param("body_mass", names="b.*"), _param("actuator_gear", names="(b|f)thigh"))
    assert env.sampled_names == [
        "body_mass/bthigh",
        "body_mass/bshin",
        "body_mass/bfoot",
        "actuator_gear/bthigh",
        "actuator_gear/fthigh",
    ]
    scene = _randomized(SLIDER_XML, _param("geom_friction", names="geom1", friction="rolling"))
    assert scene.sampled_names == ["geom_friction.rolling/geom1"]  # the unnamed pole geom


def test_misspelled_names_list_the_available_ones() -> None:
    with pytest.raises(
        RlkitError, match=r"body_mass: names 'torsoo' matches no body \(available: torso, bthigh"
    ):
        _cheetah(_param("body_mass", names="torsoo"))
    with pytest.raises(RlkitError, match="available: x, y, z"):
        _cheetah(_param("gravity", names="up"))


def test_non_mujoco_env_is_refused() -> None:
    with pytest.raises(RlkitError, match="needs a MuJoCo env"):
        PhysicsRandomization(gym.make("CartPole-v1"), [])
    with pytest.raises(RlkitError, match="needs a MuJoCo env"):
        RandomPushes(gym.make("CartPole-v1"), PushConfig(body="pole"))


def test_an_element_is_randomized_once_per_parameter() -> None:
    with pytest.raises(RlkitError, match="both randomize body_mass of 'torso'"):
        _cheetah(_param("body_mass", names="torso"), _param("body_mass", names="t.*"))
    # different friction coefficients of one geom are separate parameters
    _cheetah(
        _param("geom_friction", names="floor"), _param("geom_friction", names="floor", friction="rolling")
    )


# ---------------------------------------------------------------------------------------------------------
# Seeding and curriculum
# ---------------------------------------------------------------------------------------------------------


def test_same_seed_same_samples_other_seed_other_samples() -> None:
    parameters = [_param("body_mass", low=0.5, high=1.5), _param("geom_friction", low=0.5, high=1.5)]
    a, b = _cheetah(*parameters), _cheetah(*parameters)
    _, info_a = a.reset(seed=7)
    _, info_b = b.reset(seed=7)
    assert info_a["randomization"] == info_b["randomization"]
    assert np.array_equal(a.unwrapped.model.body_mass, b.unwrapped.model.body_mass)
    _, info_c = b.reset(seed=8)
    assert all(info_c["randomization"][k] != v for k, v in info_a["randomization"].items())
    _, info_d = a.reset()  # no seed: the stream goes on
    assert info_d["randomization"] != info_a["randomization"]


def test_shared_draws_one_sample() -> None:
    env = _cheetah(_param("body_mass", low=0.5, high=1.5, shared=True))
    _, info = env.reset(seed=0)
    values = set(info["randomization"].values())
    assert len(values) == 1 and values != {1.0}


def test_curriculum_scale_pulls_samples_toward_nominal() -> None:
    parameters = [_param("body_mass", low=0.5, high=1.5), _param("gravity", mode="offset", low=-2, high=2)]
    fresh = gym.make("HalfCheetah-v5").unwrapped.model
    full, half, zero = (gym.wrappers.TimeLimit(_cheetah(*parameters), 100) for _ in range(3))
    half.get_wrapper_attr("set_randomization_scale")(0.5)
    zero.get_wrapper_attr("set_randomization_scale")(0.0)
    for env in (full, half, zero):
        env.reset(seed=5)
    mass = {
        name: env.unwrapped.model.body_mass for name, env in (("full", full), ("half", half), ("0", zero))
    }
    assert np.allclose(mass["half"] - fresh.body_mass, 0.5 * (mass["full"] - fresh.body_mass), rtol=1e-12)
    assert np.array_equal(mass["0"], fresh.body_mass)
    gravity_full, gravity_half = full.unwrapped.model.opt.gravity, half.unwrapped.model.opt.gravity
    assert np.allclose(gravity_half - fresh.opt.gravity, 0.5 * (gravity_full - fresh.opt.gravity))
    assert np.array_equal(zero.unwrapped.model.opt.gravity, fresh.opt.gravity)
    with pytest.raises(RlkitError, match=r"in \[0, 1\]"):
        full.get_wrapper_attr("set_randomization_scale")(1.5)


def test_vector_env_call_sets_the_scale() -> None:
    vector = gym.vector.SyncVectorEnv([lambda: _cheetah(_param("body_mass", low=0.5, high=1.5))] * 2)
    vector.call("set_randomization_scale", 0.25)
    assert vector.get_attr("randomization_scale") == (0.25, 0.25)


def test_curriculum_schedule() -> None:
    linear = CurriculumConfig(start=0.0, end=1.0, end_fraction=0.5)
    assert [linear.scale(p) for p in (0.0, 0.25, 0.5, 0.9, 1.0)] == [0.0, 0.5, 1.0, 1.0, 1.0]
    partial = CurriculumConfig(start=0.2, end=0.8, end_fraction=1.0)
    assert partial.scale(0.5) == pytest.approx(0.5)
    assert partial.scale(2.0) == 0.8 and partial.scale(-1.0) == 0.2


# ---------------------------------------------------------------------------------------------------------
# Pushes
# ---------------------------------------------------------------------------------------------------------

PUSH = PushConfig(body="box", interval=(5, 15), duration=3, force=(10.0, 20.0), torque=(1.0, 2.0))


def _pushes(steps: int, seed: int = 0) -> tuple[RandomPushes, np.ndarray, np.ndarray]:
    env = RandomPushes(MjcfEnv(FALL_XML), PUSH)
    _, info = env.reset(seed=seed)
    assert np.array_equal(info["push"], np.zeros(6))
    wrenches, velocities = [], []
    for _ in range(steps):
        _, _, _, _, info = env.step(np.zeros(1))
        wrenches.append(info["push"])
        velocities.append(env.unwrapped.data.qvel.copy())
    return env, np.array(wrenches), np.array(velocities)


def test_pushes_follow_the_config() -> None:
    env, wrenches, _ = _pushes(400)
    pushed = np.any(wrenches != 0, axis=1)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], pushed.astype(int), [0]])))
    starts, ends = edges[::2], edges[1::2]
    assert len(starts) >= 20
    assert np.all(ends - starts == 3)
    gaps = starts - np.concatenate([[0], ends[:-1]])  # push-free steps before each push
    assert gaps.min() >= 5 and gaps.max() <= 15 and len(set(gaps.tolist())) > 3
    for start in starts:
        wrench = wrenches[start]
        assert np.array_equal(wrenches[start : start + 3], [wrench] * 3)
        assert wrench[2] == 0 and 10.0 <= np.linalg.norm(wrench[:3]) <= 20.0
        assert 1.0 <= np.linalg.norm(wrench[3:]) <= 2.0
    if not pushed[-1]:
        assert not np.any(env.unwrapped.data.xfrc_applied)


def test_pushes_change_the_velocity_by_their_impulse() -> None:
    _, wrenches, velocities = _pushes(60)
    start = int(np.flatnonzero(np.any(wrenches != 0, axis=1))[0])
    assert np.all(velocities[:start, :2] == 0)  # free fall only: no horizontal velocity
    # Impulse over 3 steps of 2 ms on a 1 kg box (semi-implicit Euler integrates it exactly).
    expected = wrenches[start, :2] * 3 * 0.002
    assert np.allclose(velocities[start + 2, :2], expected, rtol=1e-9, atol=0)
    assert np.linalg.norm(velocities[start + 2, 3:]) > 0  # the torque spins it


def test_pushes_are_cleared_at_reset_and_seeded() -> None:
    env = RandomPushes(MjcfEnv(FALL_XML), PushConfig(body="box", interval=(1, 1), duration=5, force=(5, 5)))
    env.reset(seed=0)
    env.step(np.zeros(1))
    _, _, _, _, info = env.step(np.zeros(1))
    assert np.any(info["push"]) and np.any(env.unwrapped.data.xfrc_applied)
    _, info = env.reset()
    assert not np.any(info["push"]) and not np.any(env.unwrapped.data.xfrc_applied)
    assert np.array_equal(_pushes(50, seed=3)[1], _pushes(50, seed=3)[1])
    assert not np.array_equal(_pushes(50, seed=3)[1], _pushes(50, seed=4)[1])


def test_unknown_push_body_lists_bodies() -> None:
    with pytest.raises(RlkitError, match=r"body 'torsoo' is not in the model \(bodies: world, torso, bthigh"):
        RandomPushes(gym.make("HalfCheetah-v5"), PushConfig(body="torsoo"))


# ---------------------------------------------------------------------------------------------------------
# Privileged observation and the env checker
# ---------------------------------------------------------------------------------------------------------


def test_privileged_observation_holds_the_samples() -> None:
    source = _cheetah(
        _param("body_mass", names="torso|ffoot"), _param("gravity", mode="offset", low=-1, high=1)
    )
    env = PrivilegedObservation(source, source)
    space = env.observation_space
    assert isinstance(space, gym.spaces.Dict) and space["privileged"].shape == (5,)
    observation, info = env.reset(seed=0)
    expected = np.array([info["randomization"][name] for name in source.sampled_names], dtype=np.float32)
    assert np.array_equal(observation["privileged"], expected) and space.contains(observation)
    assert np.any(expected != 1.0)
    observation, *_, info = env.step(env.action_space.sample())
    assert np.array_equal(observation["privileged"], expected)
    assert list(info["randomization"]) == source.sampled_names


def test_wrappers_pass_the_env_checker() -> None:
    parameters = [_param("body_mass", low=0.5, high=1.5), _param("actuator_gain", low=0.8, high=1.2)]
    check_env(_cheetah(*parameters), skip_render_check=True)
    source = _cheetah(*parameters)
    check_env(PrivilegedObservation(source, source), skip_render_check=True)
    check_env(
        RandomPushes(_cheetah(*parameters), PushConfig(body="torso", force=(1, 2))), skip_render_check=True
    )


def test_privileged_source_must_wrap_the_env() -> None:
    with pytest.raises(RlkitError, match="source must be a PhysicsRandomization wrapping env"):
        PrivilegedObservation(gym.make("HalfCheetah-v5"), _cheetah())
    with pytest.raises(RlkitError, match="source must be a PhysicsRandomization wrapping env"):
        PrivilegedObservation(gym.make("HalfCheetah-v5"))
    source = _cheetah(_param("body_mass"))
    assert PrivilegedObservation(gym.wrappers.TimeLimit(source, 10)).source is source
